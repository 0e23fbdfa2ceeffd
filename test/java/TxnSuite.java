/*
 * The Java client's transactions against a broker (test/coordinator/txn-java.test.ts runs it):
 *
 *   java -cp <classes>:<kafka classpath> TxnSuite <clients|admin> <bootstrap> <prefix>
 *
 * Output grammar: ClientSuite's (one JSON object per step line, {"step", ...} or {"step", "error"},
 * and a last {"done"}). It reports what the client observed and asserts nothing itself.
 *
 * "clients" (topics <prefix>-a with 3 partitions and <prefix>-b with 1 exist):
 *   commit   a transactional producer commits records to every partition of both topics;
 *   abort    the same producer sends, flushes and aborts;
 *   zombie   producer Z1 sends in a transaction; Z2 with the same transactional.id initialises
 *            (fencing Z1) and commits its own; Z1's commitTransaction throws (ProducerFencedException);
 *   offsets  sendOffsetsToTransaction for group <prefix>-g (<prefix>-a/0 -> 2) inside a transaction:
 *            the committed offset as the admin client sees it before and after the commit;
 *   end      a plain "end" record to every partition;
 *   read-committed / read-uncommitted   consumers (assigned, from the beginning) read until the
 *            "end" record of every partition: the values they saw per partition.
 * "admin": listTransactions and describeTransactions of <prefix>-tx1 and <prefix>-txz.
 */
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;

public final class TxnSuite {
  public static void main(String[] args) throws Exception {
    String scenario = args[0];
    ClientSuite.bootstrap = args[1];
    ClientSuite.prefix = args[2];
    Properties ap = new Properties();
    ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ClientSuite.bootstrap);
    ap.put(AdminClientConfig.CLIENT_ID_CONFIG, "java-txn-admin");
    ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ClientSuite.STEP_TIMEOUT_MS);
    ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    ClientSuite.admin = Admin.create(ap);
    try {
      switch (scenario) {
        case "clients" -> clients(args[2]);
        case "admin" -> admin(args[2]);
        default -> throw new IllegalArgumentException("unknown scenario " + scenario);
      }
    } finally {
      ClientSuite.admin.close(Duration.ofSeconds(5));
    }
    ClientSuite.emitLine(Map.of("done", scenario));
    System.exit(0);
  }

  static KafkaProducer<String, String> txProducer(String id) {
    return ClientSuite.producer(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id, ProducerConfig.CLIENT_ID_CONFIG, "java-txn", ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
  }

  static void sendAll(KafkaProducer<String, String> p, String tag, String topic, int partitions, int perPartition) throws Exception {
    List<Future<RecordMetadata>> fs = new ArrayList<>();
    for (int part = 0; part < partitions; part++) {
      for (int i = 0; i < perPartition; i++) fs.add(p.send(new ProducerRecord<>(topic, part, tag + "-k" + i, tag + "-p" + part + "-" + i)));
    }
    for (Future<RecordMetadata> f : fs) f.get(ClientSuite.STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  static void clients(String prefix) throws Exception {
    String a = prefix + "-a";
    String b = prefix + "-b";
    KafkaProducer<String, String> p = txProducer(prefix + "-tx1");
    ClientSuite.step("commit", () -> {
      p.initTransactions();
      p.beginTransaction();
      sendAll(p, "commit", a, 3, 2);
      sendAll(p, "commit", b, 1, 2);
      p.commitTransaction();
      return ClientSuite.map();
    });
    ClientSuite.step("abort", () -> {
      p.beginTransaction();
      sendAll(p, "abort", a, 2, 1);
      sendAll(p, "abort", b, 1, 1);
      p.flush();
      p.abortTransaction();
      return ClientSuite.map();
    });
    p.close(Duration.ofSeconds(5));
    ClientSuite.step("zombie", () -> {
      KafkaProducer<String, String> z1 = txProducer(prefix + "-txz");
      KafkaProducer<String, String> z2 = txProducer(prefix + "-txz");
      try {
        z1.initTransactions();
        z1.beginTransaction();
        z1.send(new ProducerRecord<>(a, 1, "z", "zombie-p1-0")).get(ClientSuite.STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        z2.initTransactions();
        z2.beginTransaction();
        z2.send(new ProducerRecord<>(b, 0, "f", "fencer-p0-0")).get(ClientSuite.STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        Map<String, Object> zombieCommit = ClientSuite.thrown(() -> {
          z1.commitTransaction();
          return null;
        });
        z2.commitTransaction();
        return ClientSuite.map("zombieCommit", zombieCommit);
      } finally {
        z1.close(Duration.ofSeconds(2));
        z2.close(Duration.ofSeconds(5));
      }
    });
    ClientSuite.step("offsets", () -> {
      String group = prefix + "-g";
      try (KafkaProducer<String, String> q = txProducer(prefix + "-txo")) {
        q.initTransactions();
        q.beginTransaction();
        q.send(new ProducerRecord<>(b, 0, "o", "offsets-p0-0")).get(ClientSuite.STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        q.sendOffsetsToTransaction(Map.of(new TopicPartition(a, 0), new OffsetAndMetadata(2, "txn")), new ConsumerGroupMetadata(group));
        Long before = committed(group, new TopicPartition(a, 0));
        q.commitTransaction();
        long deadline = System.currentTimeMillis() + ClientSuite.STEP_TIMEOUT_MS;
        Long after = committed(group, new TopicPartition(a, 0));
        while ((after == null || after != 2L) && System.currentTimeMillis() < deadline) {
          Thread.sleep(50);
          after = committed(group, new TopicPartition(a, 0));
        }
        return ClientSuite.map("before", before, "after", after);
      }
    });
    ClientSuite.step("end", () -> {
      try (KafkaProducer<String, String> plain = ClientSuite.producer()) {
        for (int part = 0; part < 3; part++) plain.send(new ProducerRecord<>(a, part, "end", "end")).get();
        plain.send(new ProducerRecord<>(b, 0, "end", "end")).get();
      }
      return ClientSuite.map();
    });
    for (String level : List.of("read_committed", "read_uncommitted")) {
      ClientSuite.step(level.replace('_', '-'), () -> read(level, List.of(new TopicPartition(a, 0), new TopicPartition(a, 1), new TopicPartition(a, 2), new TopicPartition(b, 0))));
    }
  }

  static Long committed(String group, TopicPartition tp) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> m = ClientSuite.await(ClientSuite.admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
    OffsetAndMetadata o = m.get(tp);
    return o == null ? null : o.offset();
  }

  static Map<String, Object> read(String level, List<TopicPartition> tps) throws Exception {
    try (KafkaConsumer<String, String> c = ClientSuite.consumer(null, ConsumerConfig.ISOLATION_LEVEL_CONFIG, level)) {
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<String, Object> values = new TreeMap<>();
      Set<TopicPartition> waiting = new HashSet<>(tps);
      long deadline = System.currentTimeMillis() + ClientSuite.STEP_TIMEOUT_MS;
      while (!waiting.isEmpty() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if ("end".equals(r.value())) waiting.remove(tp);
          else {
            @SuppressWarnings("unchecked")
            List<String> l = (List<String>) values.computeIfAbsent(tp.toString(), k -> new ArrayList<String>());
            l.add(r.value());
          }
        }
      }
      return ClientSuite.map("values", values, "unfinished", waiting.size());
    }
  }

  static void admin(String prefix) throws Exception {
    ClientSuite.step("list", () -> {
      Map<String, Object> out = new TreeMap<>();
      for (TransactionListing l : ClientSuite.await(ClientSuite.admin.listTransactions().all())) {
        if (l.transactionalId().startsWith(prefix)) out.put(l.transactionalId(), l.state().toString());
      }
      return ClientSuite.map("transactions", out);
    });
    ClientSuite.step("describe", () -> {
      Map<String, Object> out = new TreeMap<>();
      for (Map.Entry<String, TransactionDescription> e : ClientSuite.await(ClientSuite.admin.describeTransactions(List.of(prefix + "-tx1", prefix + "-txz")).all()).entrySet()) {
        TransactionDescription d = e.getValue();
        out.put(e.getKey(), ClientSuite.map("state", d.state().toString(), "producerEpoch", (int) d.producerEpoch(), "timeoutMs", d.transactionTimeoutMs(), "coordinator", d.coordinatorId(), "topics", d.topicPartitions().size()));
      }
      return ClientSuite.map("transactions", out);
    });
  }
}
