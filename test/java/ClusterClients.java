/*
 * The Apache Kafka Java client on a multi-node Takhin cluster, for test/cluster/faults/clients.test.ts:
 *
 *   java -cp <classes>:<kafka classpath> ClusterClients <bootstrap> <topic> <partitions> <perPartition>
 *
 * describeCluster (brokers, controller), then a producer (acks=all; idempotence off: InitProducerId
 * in cluster mode waits for controller-allocated producer-id blocks) sends
 * <perPartition> string records "p<p>-<i>" with key "k<i>" to every partition of <topic>, then a
 * consumer with assigned partitions (no group) reads every partition from the beginning up to its
 * end offset. Prints one JSON line: {"brokers": [{"id", "host", "port"}], "controller",
 * "sent": {"<p>": [offsets]}, "read": {"<p>": [[offset, key, value]]}}.
 */
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class ClusterClients {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    int partitions = Integer.parseInt(args[2]);
    int perPartition = Integer.parseInt(args[3]);
    Map<String, Object> out = new LinkedHashMap<>();

    Properties ap = new Properties();
    ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000);
    try (Admin admin = Admin.create(ap)) {
      DescribeClusterResult dc = admin.describeCluster();
      List<Map<String, Object>> brokers = new ArrayList<>();
      for (Node n : dc.nodes().get(30, TimeUnit.SECONDS)) brokers.add(Map.of("id", n.id(), "host", n.host(), "port", n.port()));
      brokers.sort(Comparator.comparingInt(m -> (Integer) m.get("id")));
      out.put("brokers", brokers);
      out.put("controller", dc.controller().get(30, TimeUnit.SECONDS).id());
    }

    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000);
    pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000);
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    Map<String, List<Long>> sent = new TreeMap<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
      List<java.util.concurrent.Future<RecordMetadata>> futures = new ArrayList<>();
      for (int p = 0; p < partitions; p++)
        for (int i = 0; i < perPartition; i++) futures.add(producer.send(new ProducerRecord<>(topic, p, "k" + i, "p" + p + "-" + i)));
      producer.flush();
      for (var f : futures) {
        RecordMetadata m = f.get(30, TimeUnit.SECONDS);
        sent.computeIfAbsent(String.valueOf(m.partition()), k -> new ArrayList<>()).add(m.offset());
      }
    }
    out.put("sent", sent);

    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    Map<String, List<List<Object>>> read = new TreeMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps, Duration.ofSeconds(30));
      long deadline = System.currentTimeMillis() + 30000;
      int want = partitions * perPartition;
      int got = 0;
      while (got < want && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          read.computeIfAbsent(String.valueOf(r.partition()), k -> new ArrayList<>()).add(List.of(r.offset(), r.key(), r.value()));
          got++;
        }
      }
      out.put("endOffsets", end.entrySet().stream().collect(java.util.stream.Collectors.toMap(e -> String.valueOf(e.getKey().partition()), Map.Entry::getValue, (a, b) -> a, TreeMap::new)));
    }
    out.put("read", read);
    System.out.println(new ObjectMapper().writeValueAsString(out));
  }
}
