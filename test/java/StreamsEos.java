/*
 * A Kafka Streams word count with processing.guarantee=exactly_once_v2, for
 * test/coordinator/txn-streams.test.ts. Modes:
 *
 *   StreamsEos produce <bootstrap> <topic> <file>     one record per line of <file> (key null), round-robin over partitions
 *   StreamsEos run <bootstrap> <appId> <in> <out> <stateDir>
 *                                                     the application until killed; prints {"state": ...} on each change
 *                                                     and {"processed": n} every 500 input lines this process read
 *   StreamsEos read <bootstrap> <out> <expectedTotal> <timeoutMs>
 *                                                     read_committed, from the beginning: the latest count per word once
 *                                                     their sum reaches <expectedTotal> (or at the timeout), as one JSON line
 *
 * The word count: lines split on spaces, grouped by word (a repartition topic), counted in a
 * state store (its changelog topic), each new count written to <out> (String key, Long value).
 */
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.*;
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.*;
import org.apache.kafka.streams.*;
import org.apache.kafka.streams.kstream.*;

public final class StreamsEos {
  static final ObjectMapper JSON = new ObjectMapper();

  static void emit(Object o) throws Exception {
    System.out.println(JSON.writeValueAsString(o));
    System.out.flush();
  }

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "produce" -> produce(args[1], args[2], Paths.get(args[3]));
      case "run" -> run(args[1], args[2], args[3], args[4], args[5]);
      case "read" -> read(args[1], args[2], Long.parseLong(args[3]), Long.parseLong(args[4]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  static void produce(String bootstrap, String topic, Path file) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    int n = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (String line : Files.readAllLines(file)) {
        producer.send(new ProducerRecord<>(topic, n % 2, null, line));
        n++;
      }
      producer.flush();
    }
    emit(Map.of("produced", n));
    System.exit(0);
  }

  static void run(String bootstrap, String appId, String in, String out, String stateDir) throws Exception {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // A killed instance's member leaves the group at its session timeout: the broker's minimum, so a restart rejoins soon.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6_000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1_000);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 10_000);
    StreamsBuilder b = new StreamsBuilder();
    java.util.concurrent.atomic.AtomicLong processed = new java.util.concurrent.atomic.AtomicLong();
    b.<String, String>stream(in)
        .peek((k, v) -> {
          long n = processed.incrementAndGet();
          if (n % 500 == 0) {
            try {
              emit(Map.of("processed", n));
            } catch (Exception e) {
              throw new RuntimeException(e);
            }
          }
        })
        .flatMapValues(v -> Arrays.asList(v.split(" ")))
        .filter((k, w) -> !w.isEmpty())
        .groupBy((k, w) -> w)
        .count(Materialized.as("counts"))
        .toStream()
        .to(out, Produced.with(Serdes.String(), Serdes.Long()));
    KafkaStreams streams = new KafkaStreams(b.build(), p);
    streams.setStateListener((now, before) -> {
      try {
        emit(Map.of("state", now.toString()));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    streams.setUncaughtExceptionHandler(e -> {
      try {
        emit(Map.of("error", String.valueOf(e)));
      } catch (Exception ignored) {
      }
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> streams.close(Duration.ofSeconds(5))));
    streams.start();
    Thread.sleep(Long.MAX_VALUE);
  }

  static void read(String bootstrap, String topic, long expectedTotal, long timeoutMs) throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class.getName());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    Map<String, Long> latest = new TreeMap<>();
    long records = 0;
    try (KafkaConsumer<String, Long> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> tps = new ArrayList<>();
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (tps.isEmpty() && System.currentTimeMillis() < deadline) {
        var parts = c.partitionsFor(topic);
        if (parts != null) for (var pi : parts) tps.add(new TopicPartition(topic, pi.partition()));
        if (tps.isEmpty()) Thread.sleep(100);
      }
      c.assign(tps);
      c.seekToBeginning(tps);
      long sum = 0;
      while (sum < expectedTotal && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, Long> r : c.poll(Duration.ofMillis(200))) {
          records++;
          latest.put(r.key(), r.value());
        }
        sum = 0;
        for (long v : latest.values()) sum += v;
      }
    }
    emit(Map.of("counts", latest, "records", records));
    System.exit(0);
  }
}
