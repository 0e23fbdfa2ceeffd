/*
 * A consume-transform-produce loop with the Java client's transactions, for
 * test/coordinator/txn-ctp.test.ts. Modes:
 *
 *   Ctp produce <bootstrap> <topic> <count>     values "v0".."v<count-1>", round-robin over 2 partitions
 *   Ctp run <bootstrap> <in> <out> <group> <transactionalId> [hangAfter]
 *       until killed: poll (read_committed), then in one transaction send "t-<value>" to <out> for
 *       each record and sendOffsetsToTransaction the consumed positions with the consumer's group
 *       metadata, commit; prints {"processed": n} after each commit (n: records this process
 *       committed). Once n >= hangAfter the next transaction is left open after its sends and
 *       offsets (flushed), {"open": records} is printed and the process waits to be killed.
 *   Ctp read <bootstrap> <out> <count> <timeoutMs>
 *       read_committed from the beginning until <count> records (or the timeout): their values, one JSON line
 */
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.*;

public final class Ctp {
  static final ObjectMapper JSON = new ObjectMapper();

  static void emit(Object o) throws Exception {
    System.out.println(JSON.writeValueAsString(o));
    System.out.flush();
  }

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "produce" -> produce(args[1], args[2], Integer.parseInt(args[3]));
      case "run" -> run(args[1], args[2], args[3], args[4], args[5], args.length > 6 ? Long.parseLong(args[6]) : Long.MAX_VALUE);
      case "read" -> read(args[1], args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]));
      default -> throw new IllegalArgumentException(args[0]);
    }
    System.exit(0);
  }

  static Properties producerProps(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return p;
  }

  static Properties consumerProps(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return p;
  }

  static void produce(String bootstrap, String topic, int count) throws Exception {
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(bootstrap))) {
      for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(topic, i % 2, null, "v" + i));
      producer.flush();
    }
    emit(Map.of("produced", count));
  }

  static void run(String bootstrap, String in, String out, String group, String transactionalId, long hangAfter) throws Exception {
    Properties pp = producerProps(bootstrap);
    pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    pp.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
    Properties cp = consumerProps(bootstrap);
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    cp.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    cp.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6_000);
    cp.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
    cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp); KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
      producer.initTransactions();
      consumer.subscribe(List.of(in));
      long processed = 0;
      for (;;) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) continue;
        producer.beginTransaction();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
          producer.send(new ProducerRecord<>(out, r.partition(), r.key(), "t-" + r.value()));
          next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
        if (processed >= hangAfter) {
          // Leave this transaction open (its records and offsets sent) and wait to be killed.
          producer.flush();
          emit(Map.of("open", records.count()));
          Thread.sleep(Long.MAX_VALUE);
        }
        producer.commitTransaction();
        processed += records.count();
        emit(Map.of("processed", processed));
      }
    }
  }

  static void read(String bootstrap, String topic, int count, long timeoutMs) throws Exception {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(bootstrap))) {
      List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (values.size() < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) values.add(r.value());
      }
    }
    emit(Map.of("values", values));
  }
}
