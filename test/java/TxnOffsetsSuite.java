/*
 * KIP-447 with the Java client (test/coordinator/txn-offsets-java.test.ts runs it): a
 * consume-transform-produce producer commits a group's offsets with the consumer's group metadata
 * (generation, member id, group instance id), so a zombie holding an older generation is fenced.
 *
 *   java -cp <classes>:<kafka classpath> TxnOffsetsSuite <bootstrap> <prefix>
 *
 * Topic <prefix>-in (2 partitions) exists. Output grammar: ClientSuite's (one JSON object per step,
 * {"step", ...} or {"step", "error"}, a last {"done"}); it reports what the client saw and asserts
 * nothing itself.
 *   member     consumer A (static member <prefix>-a) joins group <prefix>-g and owns both partitions;
 *   commit     sendOffsetsToTransaction(in-0 -> 3, in-1 -> 4, A's group metadata): the admin client's
 *              view of the group's offsets before and after commitTransaction (after: once they show,
 *              at most 20 s — Kafka writes the markers after EndTxn answered);
 *   rebalance  consumer B joins: a new generation, each member one partition;
 *   stale      the producer sends offsets with A's metadata from before the rebalance: the exception
 *              (KIP-447: ILLEGAL_GENERATION, a CommitFailedException), then abortTransaction;
 *   bogus      with a current generation but an unknown member id, and with A's instance id under
 *              another member id: the exceptions;
 *   current    with A's current metadata: in-0 -> 8 after the commit; with B's: in-1 -> 9;
 *   abort      in-0 -> 100 sent and aborted: the offsets after.
 */
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;

public final class TxnOffsetsSuite {
  public static void main(String[] args) throws Exception {
    ClientSuite.bootstrap = args[0];
    ClientSuite.prefix = args[1];
    Properties ap = new Properties();
    ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ClientSuite.bootstrap);
    ap.put(AdminClientConfig.CLIENT_ID_CONFIG, "java-txn-offsets-admin");
    ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ClientSuite.STEP_TIMEOUT_MS);
    ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    ClientSuite.admin = Admin.create(ap);
    try {
      run(args[1]);
    } finally {
      ClientSuite.admin.close(Duration.ofSeconds(5));
    }
    ClientSuite.emitLine(Map.of("done", "txn-offsets"));
    System.exit(0);
  }

  static Map<String, Object> groupOffsets(String group) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> m = ClientSuite.await(ClientSuite.admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
    Map<String, Object> out = new TreeMap<>();
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : m.entrySet()) out.put(e.getKey().toString(), e.getValue() == null ? null : e.getValue().offset());
    return out;
  }

  /**
   * The group's offsets once they equal `want`, or as they are after 20 s: EndTxn may answer before
   * the markers are written (Kafka writes them asynchronously), so a read right after a commit can
   * still see the old offsets.
   */
  static Map<String, Object> settled(String group, Map<String, Object> want) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    Map<String, Object> got = groupOffsets(group);
    while (!got.equals(want) && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      got = groupOffsets(group);
    }
    return got;
  }

  static Map<String, Object> expect(String topic, long p0, long p1) {
    Map<String, Object> m = new TreeMap<>();
    m.put(topic + "-0", p0);
    m.put(topic + "-1", p1);
    return m;
  }

  static Map<TopicPartition, OffsetAndMetadata> offsets(String topic, long... perPartition) {
    Map<TopicPartition, OffsetAndMetadata> m = new LinkedHashMap<>();
    for (int p = 0; p < perPartition.length; p++) if (perPartition[p] >= 0) m.put(new TopicPartition(topic, p), new OffsetAndMetadata(perPartition[p], "java"));
    return m;
  }

  static Map<String, Object> meta(ConsumerGroupMetadata g) {
    return ClientSuite.map("generation", g.generationId(), "member", g.memberId(), "instance", g.groupInstanceId().orElse(null));
  }

  /** Sends the offsets with `g` in a new transaction; the exception (then the transaction is aborted) or null (committed). */
  static Map<String, Object> attempt(KafkaProducer<String, String> p, Map<TopicPartition, OffsetAndMetadata> o, ConsumerGroupMetadata g) {
    p.beginTransaction();
    Map<String, Object> thrown = ClientSuite.thrown(() -> {
      p.sendOffsetsToTransaction(o, g);
      return null;
    });
    if (thrown == null) {
      Map<String, Object> onCommit = ClientSuite.thrown(() -> {
        p.commitTransaction();
        return null;
      });
      if (onCommit == null) return null;
      thrown = onCommit;
    }
    Map<String, Object> abort = ClientSuite.thrown(() -> {
      p.abortTransaction();
      return null;
    });
    Map<String, Object> out = new LinkedHashMap<>(thrown);
    out.put("abortError", abort);
    return out;
  }

  static void run(String prefix) throws Exception {
    String in = prefix + "-in";
    String group = prefix + "-g";
    KafkaConsumer<String, String> a = ClientSuite.consumer(group, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, prefix + "-a", ConsumerConfig.CLIENT_ID_CONFIG, "member-a", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    KafkaConsumer<String, String> b = ClientSuite.consumer(group, ConsumerConfig.CLIENT_ID_CONFIG, "member-b", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    KafkaProducer<String, String> p = TxnSuite.txProducer(prefix + "-tx");
    ConsumerGroupMetadata[] first = new ConsumerGroupMetadata[1];
    try {
      ClientSuite.step("member", () -> {
        a.subscribe(List.of(in));
        boolean owns = ClientSuite.pollAllUntil(List.of(a), () -> a.assignment().size() == 2);
        // Wait for the initial committed-offset fetch of the new assignment: a poll that returned
        // before its answer leaves it pending, and the consumer hands that (pre-commit, empty) answer
        // to a later committed() for the same partitions and generation (ConsumerCoordinator's
        // pendingCommittedOffsetRequest), which read as null offsets after the commit.
        for (int i = 0; i < 2; i++) a.position(new TopicPartition(in, i));
        first[0] = a.groupMetadata();
        return ClientSuite.map("ownsBoth", owns, "metadata", meta(first[0]));
      });
      ClientSuite.step("commit", () -> {
        p.initTransactions();
        p.beginTransaction();
        p.sendOffsetsToTransaction(offsets(in, 3, 4), first[0]);
        Map<String, Object> before = groupOffsets(group);
        p.commitTransaction();
        Map<String, Object> after = settled(group, expect(in, 3, 4));
        Map<TopicPartition, OffsetAndMetadata> seenByA = a.committed(Set.of(new TopicPartition(in, 0), new TopicPartition(in, 1)));
        Map<String, Object> byA = new TreeMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : seenByA.entrySet()) byA.put(e.getKey().toString(), e.getValue() == null ? null : e.getValue().offset());
        return ClientSuite.map("before", before, "after", after, "committedSeenByMember", byA);
      });
      ClientSuite.step("rebalance", () -> {
        b.subscribe(List.of(in));
        boolean split = ClientSuite.pollAllUntil(List.of(a, b), () -> a.assignment().size() == 1 && b.assignment().size() == 1 && a.groupMetadata().generationId() == b.groupMetadata().generationId());
        return ClientSuite.map("split", split, "a", meta(a.groupMetadata()), "b", meta(b.groupMetadata()));
      });
      ClientSuite.step("stale", () -> ClientSuite.map("thrown", attempt(p, offsets(in, 5, -1), first[0]), "offsets", groupOffsets(group)));
      ClientSuite.step("bogus", () -> {
        ConsumerGroupMetadata cur = a.groupMetadata();
        Map<String, Object> unknownMember = attempt(p, offsets(in, 6, -1), new ConsumerGroupMetadata(group, cur.generationId(), "no-such-member", Optional.empty()));
        Map<String, Object> fencedInstance = attempt(p, offsets(in, 7, -1), new ConsumerGroupMetadata(group, cur.generationId(), "no-such-member", cur.groupInstanceId()));
        return ClientSuite.map("unknownMember", unknownMember, "fencedInstance", fencedInstance, "offsets", groupOffsets(group));
      });
      ClientSuite.step("current", () -> {
        Map<String, Object> withA = attempt(p, offsets(in, 8, -1), a.groupMetadata());
        Map<String, Object> withB = attempt(p, offsets(in, -1, 9), b.groupMetadata());
        return ClientSuite.map("withA", withA, "withB", withB, "offsets", settled(group, expect(in, 8, 9)));
      });
      ClientSuite.step("abort", () -> {
        p.beginTransaction();
        p.sendOffsetsToTransaction(offsets(in, 100, -1), a.groupMetadata());
        p.abortTransaction();
        return ClientSuite.map("offsets", groupOffsets(group));
      });
    } finally {
      p.close(Duration.ofSeconds(5));
      a.close(Duration.ofSeconds(5));
      b.close(Duration.ofSeconds(5));
    }
  }
}
