/*
 * The Apache Kafka Java client (kafka-clients, the version peer/kafka/pom.xml pins) against a broker:
 * test/clients/java-client.test.ts compiles this file with plain javac against kafkaClasspath() and
 * runs it once per scenario group:
 *
 *   java -cp <classes>:<kafka classpath> ClientSuite <producer|consumer|admin|regex> <bootstrap> <prefix>
 *
 * Output grammar (stdout): one JSON object per line, one line per step, in step order:
 *   {"step": "<name>", ...observed values...}                       the step ran to its end
 *   {"step": "<name>", "error": {"class", "message", "cause"?}}       the step threw (cause: the
 *                                                                       exception under an ExecutionException)
 * and a last line {"done": "<scenario>"}. The program reports what the client observed and asserts
 * nothing itself: the bun test holds every expected value, so one failing step never hides the next.
 * Every wait is bounded (STEP_TIMEOUT_MS); topics are named <prefix>-<step> so runs do not collide.
 * The client's own log output goes to stderr (slf4j falls back to its no-op logger on this classpath).
 */
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class ClientSuite {
  static final long STEP_TIMEOUT_MS = 20_000;
  static final ObjectMapper JSON = new ObjectMapper();
  static String bootstrap;
  static String prefix;
  static Admin admin;

  interface Step {
    Map<String, Object> run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    String scenario = args[0];
    bootstrap = args[1];
    prefix = args[2];
    Properties ap = new Properties();
    ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    ap.put(AdminClientConfig.CLIENT_ID_CONFIG, "java-suite-admin");
    ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) STEP_TIMEOUT_MS);
    ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    admin = Admin.create(ap);
    try {
      switch (scenario) {
        case "producer" -> producerScenario();
        case "consumer" -> consumerScenario();
        case "admin" -> adminScenario();
        case "regex" -> regexScenario();
        default -> throw new IllegalArgumentException("unknown scenario " + scenario);
      }
    } finally {
      admin.close(Duration.ofSeconds(5));
    }
    emitLine(Map.of("done", scenario));
    System.exit(0);
  }

  // ---------------------------------------------------------------- output

  static synchronized void emitLine(Map<String, Object> m) {
    try {
      System.out.println(JSON.writeValueAsString(m));
      System.out.flush();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  static void step(String name, Step s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("step", name);
    long t0 = System.nanoTime();
    try {
      out.putAll(s.run());
    } catch (Throwable t) {
      out.put("error", describe(t));
    }
    out.put("ms", (System.nanoTime() - t0) / 1_000_000);
    emitLine(out);
  }

  static Map<String, Object> describe(Throwable t) {
    Map<String, Object> e = new LinkedHashMap<>();
    Throwable top = t;
    if (t instanceof ExecutionException && t.getCause() != null) top = t.getCause();
    e.put("class", top.getClass().getName());
    e.put("message", top.getMessage());
    if (top.getCause() != null && top.getCause() != top) {
      e.put("cause", Map.of("class", top.getCause().getClass().getName(), "message", String.valueOf(top.getCause().getMessage())));
    }
    return e;
  }

  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    return m;
  }

  /** Runs `f` and returns the thrown exception's class and message, or null when it did not throw. */
  interface Action {
    Object run() throws Exception;
  }

  static Map<String, Object> thrown(Action f) {
    try {
      f.run();
      return null;
    } catch (Throwable t) {
      return describe(t);
    }
  }

  static <T> T await(KafkaFuture<T> f) throws Exception {
    return f.get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  // ---------------------------------------------------------------- clients

  static KafkaProducer<String, String> producer(Object... kv) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    for (int i = 0; i < kv.length; i += 2) p.put(kv[i], kv[i + 1]);
    return new KafkaProducer<>(p);
  }

  static KafkaConsumer<String, String> consumer(String group, Object... kv) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) STEP_TIMEOUT_MS);
    if (group != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
      p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
      p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 30_000);
    }
    for (int i = 0; i < kv.length; i += 2) p.put(kv[i], kv[i + 1]);
    return new KafkaConsumer<>(p);
  }

  static void createTopic(String topic, int partitions, Map<String, String> configs) throws Exception {
    await(admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all());
  }

  static void createTopic(String topic, int partitions) throws Exception {
    createTopic(topic, partitions, Map.of());
  }

  /** Sends `count` records key k<i>, value v<i>, to `partition` (or by key when -1); returns offsets. */
  static List<Long> produce(String topic, int partition, int count, long baseTs) throws Exception {
    try (KafkaProducer<String, String> p = producer(ProducerConfig.LINGER_MS_CONFIG, 5)) {
      List<Future<RecordMetadata>> fs = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        Integer part = partition < 0 ? null : partition;
        Long ts = baseTs < 0 ? null : baseTs + i * 1000L;
        fs.add(p.send(new ProducerRecord<>(topic, part, ts, "k" + i, "v" + i)));
      }
      List<Long> offsets = new ArrayList<>();
      for (Future<RecordMetadata> f : fs) offsets.add(f.get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS).offset());
      return offsets;
    }
  }

  static List<ConsumerRecord<String, String>> pollUntil(Consumer<String, String> c, int count) {
    List<ConsumerRecord<String, String>> got = new ArrayList<>();
    long deadline = System.currentTimeMillis() + STEP_TIMEOUT_MS;
    while (got.size() < count && System.currentTimeMillis() < deadline) {
      for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) got.add(r);
    }
    return got;
  }

  static Map<String, Object> rec(ConsumerRecord<String, String> r) {
    List<List<String>> hs = new ArrayList<>();
    for (Header h : r.headers()) hs.add(Arrays.asList(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8)));
    Map<String, Object> m = map("p", r.partition(), "o", r.offset(), "k", r.key(), "v", r.value(), "ts", r.timestamp(), "tsType", r.timestampType().name);
    if (!hs.isEmpty()) m.put("h", hs);
    return m;
  }

  static List<Map<String, Object>> recs(List<ConsumerRecord<String, String>> rs) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (ConsumerRecord<String, String> r : rs) out.add(rec(r));
    return out;
  }

  /** Partitions as sorted "topic-p" strings. */
  static List<String> tps(Collection<TopicPartition> c) {
    List<String> out = new ArrayList<>();
    for (TopicPartition tp : c) out.add(tp.topic() + "-" + tp.partition());
    Collections.sort(out);
    return out;
  }

  // ---------------------------------------------------------------- producer

  static void producerScenario() {
    long baseTs = System.currentTimeMillis() - 60_000;
    for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
      step("codec-" + codec, () -> {
        String topic = prefix + "-codec-" + codec;
        createTopic(topic, 1);
        List<Long> offsets = new ArrayList<>();
        List<Long> stamps = new ArrayList<>();
        try (KafkaProducer<String, String> p = producer(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec, ProducerConfig.LINGER_MS_CONFIG, 100)) {
          List<Future<RecordMetadata>> fs = new ArrayList<>();
          for (int i = 0; i < 20; i++) {
            String key = i == 0 ? null : "key-" + i;
            String value = i == 19 ? null : codec + "-" + i + "-" + "abcdefgh".repeat(8);
            List<Header> headers = i % 2 == 0 ? List.of() : List.of(new RecordHeader("h1", ("x" + i).getBytes(StandardCharsets.UTF_8)), new RecordHeader("empty", new byte[0]));
            fs.add(p.send(new ProducerRecord<>(topic, 0, baseTs + i, key, value, headers)));
          }
          p.flush();
          for (Future<RecordMetadata> f : fs) {
            RecordMetadata md = f.get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            offsets.add(md.offset());
            stamps.add(md.timestamp());
          }
        }
        try (KafkaConsumer<String, String> c = consumer(null)) {
          TopicPartition tp = new TopicPartition(topic, 0);
          c.assign(List.of(tp));
          c.seekToBeginning(List.of(tp));
          return map("baseTs", baseTs, "offsets", offsets, "timestamps", stamps, "records", recs(pollUntil(c, 20)));
        }
      });
    }

    step("log-append-time", () -> {
      String topic = prefix + "-logappend";
      createTopic(topic, 1, Map.of("message.timestamp.type", "LogAppendTime"));
      long before = System.currentTimeMillis();
      RecordMetadata md;
      try (KafkaProducer<String, String> p = producer()) {
        md = p.send(new ProducerRecord<>(topic, 0, 1_000L, "k", "v")).get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      }
      long after = System.currentTimeMillis();
      try (KafkaConsumer<String, String> c = consumer(null)) {
        TopicPartition tp = new TopicPartition(topic, 0);
        c.assign(List.of(tp));
        c.seekToBeginning(List.of(tp));
        return map("before", before, "after", after, "ackTimestamp", md.timestamp(), "records", recs(pollUntil(c, 1)));
      }
    });

    step("idempotent-acks-all", () -> {
      String topic = prefix + "-idempotent";
      createTopic(topic, 2);
      Map<Integer, List<Long>> offsets = new TreeMap<>();
      try (KafkaProducer<String, String> p = producer(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all",
          ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5, ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.BATCH_SIZE_CONFIG, 200)) {
        List<Future<RecordMetadata>> fs = new ArrayList<>();
        for (int i = 0; i < 300; i++) fs.add(p.send(new ProducerRecord<>(topic, i % 2, "k" + i, "v" + i)));
        for (Future<RecordMetadata> f : fs) {
          RecordMetadata md = f.get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
          offsets.computeIfAbsent(md.partition(), k -> new ArrayList<>()).add(md.offset());
        }
      }
      try (KafkaConsumer<String, String> c = consumer(null)) {
        List<TopicPartition> parts = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        c.assign(parts);
        c.seekToBeginning(parts);
        List<ConsumerRecord<String, String>> got = pollUntil(c, 300);
        Set<String> values = new TreeSet<>();
        for (ConsumerRecord<String, String> r : got) values.add(r.value());
        return map("ackedOffsets", offsets, "consumed", got.size(), "distinctValues", values.size(), "endOffsets", c.endOffsets(parts).values());
      }
    });

    step("transactional-id", () -> {
      try (KafkaProducer<String, String> p = producer(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "-tx", ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000)) {
        Map<String, Object> init = thrown(() -> {
          p.initTransactions();
          return null;
        });
        return map("initTransactions", init);
      }
    });
  }

  // ---------------------------------------------------------------- consumer

  /** Records the rebalance callbacks of one consumer, in order, as "revoked:[..]", "assigned:[..]", "lost:[..]". */
  static final class Listener implements ConsumerRebalanceListener {
    final List<String> events = new ArrayList<>();

    public void onPartitionsRevoked(Collection<TopicPartition> c) {
      events.add("revoked:" + tps(c));
    }

    public void onPartitionsAssigned(Collection<TopicPartition> c) {
      events.add("assigned:" + tps(c));
    }

    public void onPartitionsLost(Collection<TopicPartition> c) {
      events.add("lost:" + tps(c));
    }
  }

  /** Polls every consumer in turn (one thread) until `done` holds, bounded by STEP_TIMEOUT_MS. */
  static boolean pollAllUntil(List<KafkaConsumer<String, String>> cs, java.util.function.BooleanSupplier done) {
    long deadline = System.currentTimeMillis() + STEP_TIMEOUT_MS;
    while (System.currentTimeMillis() < deadline) {
      for (KafkaConsumer<String, String> c : cs) c.poll(Duration.ofMillis(100));
      if (done.getAsBoolean()) return true;
    }
    return false;
  }

  /** Two members of one group join one after the other; returns both listeners' callbacks in order. */
  static Map<String, Object> twoMembers(String strategy, String suffix) throws Exception {
    String topic = prefix + "-" + suffix;
    String group = prefix + "-" + suffix + "-group";
    createTopic(topic, 4);
    Listener la = new Listener();
    Listener lb = new Listener();
    try (KafkaConsumer<String, String> a = consumer(group, ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, strategy, ConsumerConfig.CLIENT_ID_CONFIG, "member-a");
        KafkaConsumer<String, String> b = consumer(group, ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, strategy, ConsumerConfig.CLIENT_ID_CONFIG, "member-b")) {
      a.subscribe(List.of(topic), la);
      boolean aAlone = pollAllUntil(List.of(a), () -> a.assignment().size() == 4);
      List<String> aFirst = tps(a.assignment());
      b.subscribe(List.of(topic), lb);
      boolean split = pollAllUntil(List.of(a, b), () -> a.assignment().size() == 2 && b.assignment().size() == 2);
      // A few more rounds so a pending follow-up rebalance (cooperative) would show in the callbacks.
      for (int i = 0; i < 5; i++) for (KafkaConsumer<String, String> c : List.of(a, b)) c.poll(Duration.ofMillis(100));
      return map("aAlone", aAlone, "aFirst", aFirst, "split", split, "a", tps(a.assignment()), "b", tps(b.assignment()),
          "aEvents", new ArrayList<>(la.events), "bEvents", new ArrayList<>(lb.events), "aGeneration", a.groupMetadata().generationId(), "bGeneration", b.groupMetadata().generationId());
    }
  }

  static void consumerScenario() {
    long baseTs = System.currentTimeMillis() - 3_600_000;
    String topic = prefix + "-plain";
    TopicPartition p0 = new TopicPartition(topic, 0);
    TopicPartition p1 = new TopicPartition(topic, 1);

    step("assign", () -> {
      createTopic(topic, 2);
      List<Long> o0 = produce(topic, 0, 10, baseTs);
      List<Long> o1 = produce(topic, 1, 10, baseTs);
      try (KafkaConsumer<String, String> c = consumer(null)) {
        c.assign(List.of(p0));
        c.seekToBeginning(List.of(p0));
        List<ConsumerRecord<String, String>> got = pollUntil(c, 10);
        return map("produced0", o0, "produced1", o1, "assignment", tps(c.assignment()), "records", recs(got), "position", c.position(p0));
      }
    });

    step("seek", () -> {
      try (KafkaConsumer<String, String> c = consumer(null)) {
        c.assign(List.of(p0));
        c.seek(p0, 5);
        long afterSeek = pollUntil(c, 1).get(0).offset();
        c.seekToEnd(List.of(p0));
        long end = c.position(p0);
        c.seekToBeginning(List.of(p0));
        long begin = c.position(p0);
        c.seek(p0, new OffsetAndMetadata(7));
        long afterSeek7 = pollUntil(c, 1).get(0).offset();
        return map("afterSeek5", afterSeek, "end", end, "begin", begin, "afterSeek7", afterSeek7);
      }
    });

    step("offsets-for-times", () -> {
      try (KafkaConsumer<String, String> c = consumer(null)) {
        Map<TopicPartition, Long> q = new HashMap<>();
        q.put(p0, baseTs + 3_500);
        q.put(p1, baseTs + 100_000);
        Map<TopicPartition, OffsetAndTimestamp> r = c.offsetsForTimes(q);
        OffsetAndTimestamp a = r.get(p0);
        Map<String, Object> first = a == null ? null : map("offset", a.offset(), "timestamp", a.timestamp());
        return map("baseTs", baseTs, "p0", first, "p1", r.get(p1) == null ? null : r.get(p1).offset(),
            "beginning", c.beginningOffsets(List.of(p0, p1)).values(), "end", c.endOffsets(List.of(p0, p1)).values());
      }
    });

    step("pause-resume", () -> {
      try (KafkaConsumer<String, String> c = consumer(null)) {
        c.assign(List.of(p0, p1));
        c.seekToBeginning(List.of(p0, p1));
        c.pause(List.of(p0));
        List<String> paused = tps(c.paused());
        Set<Integer> whilePaused = new TreeSet<>();
        for (ConsumerRecord<String, String> r : pollUntil(c, 10)) whilePaused.add(r.partition());
        // Keep polling a little: nothing may arrive from the paused partition.
        for (int i = 0; i < 3; i++) for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) whilePaused.add(r.partition());
        c.resume(List.of(p0));
        List<ConsumerRecord<String, String>> after = pollUntil(c, 10);
        Set<Integer> afterResume = new TreeSet<>();
        for (ConsumerRecord<String, String> r : after) afterResume.add(r.partition());
        return map("paused", paused, "partitionsWhilePaused", whilePaused, "pausedAfterResume", tps(c.paused()), "partitionsAfterResume", afterResume, "countAfterResume", after.size());
      }
    });

    step("commit-sync-async", () -> {
      String group = prefix + "-commit";
      Map<String, Object> out = new LinkedHashMap<>();
      try (KafkaConsumer<String, String> c = consumer(group)) {
        c.subscribe(List.of(topic));
        List<ConsumerRecord<String, String>> got = pollUntil(c, 20);
        out.put("consumed", got.size());
        c.commitSync(Map.of(p0, new OffsetAndMetadata(4, "sync-meta")));
        OffsetAndMetadata afterSync = c.committed(Set.of(p0)).get(p0);
        out.put("afterSync", map("offset", afterSync.offset(), "metadata", afterSync.metadata()));
        CompletableFuture<Object> done = new CompletableFuture<>();
        c.commitAsync(Map.of(p0, new OffsetAndMetadata(9), p1, new OffsetAndMetadata(10)), (offsets, e) -> done.complete(e == null ? tps(offsets.keySet()) : describe(e)));
        long deadline = System.currentTimeMillis() + STEP_TIMEOUT_MS;
        while (!done.isDone() && System.currentTimeMillis() < deadline) c.poll(Duration.ofMillis(100));
        out.put("asyncCallback", done.getNow("no callback"));
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.of(p0, p1));
        out.put("afterAsync", List.of(committed.get(p0).offset(), committed.get(p1).offset()));
      }
      // A new member of the same group starts from the committed offsets.
      try (KafkaConsumer<String, String> c = consumer(group)) {
        c.subscribe(List.of(topic));
        List<ConsumerRecord<String, String>> got = pollUntil(c, 1);
        Map<Integer, Long> firstSeen = new TreeMap<>();
        for (ConsumerRecord<String, String> r : got) firstSeen.putIfAbsent(r.partition(), r.offset());
        out.put("resumed", firstSeen);
        out.put("positions", List.of(c.position(p0), c.position(p1)));
      }
      return out;
    });

    step("group-range", () -> twoMembers(RangeAssignor.class.getName(), "range"));
    step("group-cooperative-sticky", () -> twoMembers(CooperativeStickyAssignor.class.getName(), "coop"));

    step("static-membership", () -> {
      String t = prefix + "-static";
      String group = prefix + "-static-group";
      createTopic(t, 2);
      Map<String, Object> out = new LinkedHashMap<>();
      Listener l1 = new Listener();
      try (KafkaConsumer<String, String> c = consumer(group, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-1", ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 20_000)) {
        c.subscribe(List.of(t), l1);
        pollAllUntil(List.of(c), () -> c.assignment().size() == 2);
        out.put("first", tps(c.assignment()));
        out.put("firstGeneration", c.groupMetadata().generationId());
        out.put("firstMemberId", c.groupMetadata().memberId());
        ConsumerGroupDescription d = await(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group));
        List<String> instances = new ArrayList<>();
        for (MemberDescription m : d.members()) instances.add(m.groupInstanceId().orElse(null));
        out.put("describedInstances", instances);
      }
      // A static member's close does not leave the group: it stays a member until its session times out.
      ConsumerGroupDescription between = await(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group));
      out.put("membersAfterClose", between.members().size());
      Listener l2 = new Listener();
      try (KafkaConsumer<String, String> c = consumer(group, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-1", ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 20_000)) {
        c.subscribe(List.of(t), l2);
        pollAllUntil(List.of(c), () -> c.assignment().size() == 2);
        out.put("second", tps(c.assignment()));
        out.put("secondGeneration", c.groupMetadata().generationId());
        out.put("secondMemberId", c.groupMetadata().memberId());
        // A second process with the same instance id fences the first one.
        try (KafkaConsumer<String, String> dup = consumer(group, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-1", ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 20_000)) {
          dup.subscribe(List.of(t));
          pollAllUntil(List.of(dup), () -> dup.assignment().size() == 2);
          out.put("dupAssignment", tps(dup.assignment()));
          out.put("dupGeneration", dup.groupMetadata().generationId());
          out.put("fenced", thrown(() -> {
            long deadline = System.currentTimeMillis() + STEP_TIMEOUT_MS;
            while (System.currentTimeMillis() < deadline) {
              c.poll(Duration.ofMillis(100));
              c.commitSync(Map.of(new TopicPartition(t, 0), new OffsetAndMetadata(0)));
            }
            return null;
          }));
        }
      }
      out.put("events1", l1.events);
      out.put("events2", l2.events);
      return out;
    });
  }

  // ---------------------------------------------------------------- regex subscription

  static void regexScenario() {
    step("regex-new-topic", () -> {
      String group = prefix + "-regex-group";
      String first = prefix + "-rx-a";
      String second = prefix + "-rx-b";
      createTopic(first, 2);
      produce(first, -1, 4, -1);
      Listener la = new Listener();
      Listener lb = new Listener();
      Object[] cfg = {ConsumerConfig.METADATA_MAX_AGE_CONFIG, 500, ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 120_000};
      try (KafkaConsumer<String, String> a = consumer(group, cfg); KafkaConsumer<String, String> b = consumer(group, cfg)) {
        Pattern pattern = Pattern.compile(Pattern.quote(prefix + "-rx-") + ".*");
        a.subscribe(pattern, la);
        b.subscribe(pattern, lb);
        boolean joined = pollAllUntil(List.of(a, b), () -> a.assignment().size() + b.assignment().size() == 2 && !a.assignment().isEmpty());
        List<String> before = new ArrayList<>(tps(a.assignment()));
        before.addAll(tps(b.assignment()));
        Collections.sort(before);
        createTopic(second, 2);
        produce(second, -1, 4, -1);
        long t0 = System.currentTimeMillis();
        boolean picked = pollAllUntil(List.of(a, b), () -> a.assignment().size() + b.assignment().size() == 4);
        long pickedMs = System.currentTimeMillis() - t0;
        List<String> after = new ArrayList<>(tps(a.assignment()));
        after.addAll(tps(b.assignment()));
        Collections.sort(after);
        return map("joined", joined, "before", before, "picked", picked, "after", after, "pickedUpMs", pickedMs, "aEvents", new ArrayList<>(la.events), "bEvents", new ArrayList<>(lb.events));
      }
    });
  }

  // ---------------------------------------------------------------- admin

  static void adminScenario() {
    String topic = prefix + "-admin";
    String group = prefix + "-admin-group";
    int[] nodeId = {-1};

    step("describe-cluster", () -> {
      DescribeClusterResult r = admin.describeCluster();
      List<Map<String, Object>> nodes = new ArrayList<>();
      for (Node n : await(r.nodes())) nodes.add(map("id", n.id(), "host", n.host(), "port", n.port()));
      Node controller = await(r.controller());
      nodeId[0] = nodes.isEmpty() ? -1 : (int) nodes.get(0).get("id");
      return map("clusterId", await(r.clusterId()), "nodes", nodes, "controller", controller == null ? null : controller.id());
    });

    step("create-topics", () -> {
      createTopic(topic, 3, Map.of("retention.ms", "3600000", "cleanup.policy", "delete"));
      Map<String, Object> again = thrown(() -> {
        createTopic(topic, 3);
        return null;
      });
      Map<String, Object> badRf = thrown(() -> {
        await(admin.createTopics(List.of(new NewTopic(topic + "-rf", 1, (short) 3))).all());
        return null;
      });
      Map<String, Object> badName = thrown(() -> {
        await(admin.createTopics(List.of(new NewTopic("bad/name", 1, (short) 1))).all());
        return null;
      });
      CreateTopicsResult v = admin.createTopics(List.of(new NewTopic(topic + "-validate", 2, (short) 1)), new CreateTopicsOptions().validateOnly(true));
      await(v.all());
      return map("again", again, "badReplicationFactor", badRf, "badName", badName, "validateOnlyPartitions", await(v.numPartitions(topic + "-validate")),
          "listedAfterValidateOnly", await(admin.listTopics().names()).contains(topic + "-validate"));
    });

    step("list-topics", () -> {
      Set<String> names = await(admin.listTopics().names());
      Set<String> internal = await(admin.listTopics(new ListTopicsOptions().listInternal(true)).names());
      return map("containsTopic", names.contains(topic), "internalListed", internal.contains("__consumer_offsets"), "internalInDefault", names.contains("__consumer_offsets"));
    });

    step("describe-topics", () -> {
      TopicDescription d = await(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
      List<Map<String, Object>> parts = new ArrayList<>();
      for (TopicPartitionInfo p : d.partitions()) {
        List<Integer> replicas = new ArrayList<>();
        for (Node n : p.replicas()) replicas.add(n.id());
        List<Integer> isr = new ArrayList<>();
        for (Node n : p.isr()) isr.add(n.id());
        parts.add(map("partition", p.partition(), "leader", p.leader() == null ? null : p.leader().id(), "replicas", replicas, "isr", isr));
      }
      Map<String, Object> unknown = thrown(() -> await(admin.describeTopics(List.of(topic + "-missing")).allTopicNames()));
      return map("name", d.name(), "internal", d.isInternal(), "topicIdSet", !d.topicId().equals(Uuid.ZERO_UUID), "partitions", parts, "unknown", unknown);
    });

    step("describe-configs", () -> {
      ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config c = await(admin.describeConfigs(List.of(res), new DescribeConfigsOptions().includeSynonyms(true)).all()).get(res);
      Map<String, Object> out = new LinkedHashMap<>();
      for (String name : List.of("retention.ms", "cleanup.policy", "segment.bytes", "compression.type")) {
        ConfigEntry e = c.get(name);
        out.put(name, e == null ? null : map("value", e.value(), "source", e.source().name(), "isDefault", e.isDefault(), "readOnly", e.isReadOnly(), "synonyms", e.synonyms().size()));
      }
      ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(nodeId[0]));
      Config bc = await(admin.describeConfigs(List.of(broker)).all()).get(broker);
      ConfigEntry np = bc.get("num.partitions");
      out.put("broker.num.partitions", np == null ? null : np.value());
      out.put("brokerEntries", bc.entries().size());
      return out;
    });

    step("incremental-alter-configs", () -> {
      ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Map<ConfigResource, Collection<AlterConfigOp>> ops = Map.of(res, List.of(
          new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET),
          new AlterConfigOp(new ConfigEntry("cleanup.policy", ""), AlterConfigOp.OpType.DELETE),
          new AlterConfigOp(new ConfigEntry("max.message.bytes", "2000000"), AlterConfigOp.OpType.SET)));
      await(admin.incrementalAlterConfigs(ops).all());
      Config c = await(admin.describeConfigs(List.of(res)).all()).get(res);
      Map<String, Object> bad = thrown(() -> {
        await(admin.incrementalAlterConfigs(Map.of(res, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "not-a-number"), AlterConfigOp.OpType.SET)))).all());
        return null;
      });
      Map<String, Object> out = new LinkedHashMap<>();
      for (String name : List.of("retention.ms", "cleanup.policy", "max.message.bytes")) {
        ConfigEntry e = c.get(name);
        out.put(name, map("value", e.value(), "source", e.source().name()));
      }
      out.put("invalidValue", bad);
      return out;
    });

    step("create-partitions", () -> {
      await(admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all());
      int count = await(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic).partitions().size();
      Map<String, Object> shrink = thrown(() -> {
        await(admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all());
        return null;
      });
      return map("partitions", count, "shrink", shrink);
    });

    long baseTs = System.currentTimeMillis() - 600_000;
    TopicPartition p0 = new TopicPartition(topic, 0);

    step("list-offsets", () -> {
      produce(topic, 0, 10, baseTs);
      Map<TopicPartition, OffsetSpec> q = new HashMap<>();
      q.put(p0, OffsetSpec.earliest());
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("earliest", await(admin.listOffsets(Map.of(p0, OffsetSpec.earliest())).partitionResult(p0)).offset());
      out.put("latest", await(admin.listOffsets(Map.of(p0, OffsetSpec.latest())).partitionResult(p0)).offset());
      ListOffsetsResult.ListOffsetsResultInfo max = await(admin.listOffsets(Map.of(p0, OffsetSpec.maxTimestamp())).partitionResult(p0));
      out.put("maxTimestamp", map("offset", max.offset(), "timestamp", max.timestamp()));
      out.put("forTimestamp", await(admin.listOffsets(Map.of(p0, OffsetSpec.forTimestamp(baseTs + 4_500))).partitionResult(p0)).offset());
      out.put("baseTs", baseTs);
      return out;
    });

    step("delete-records", () -> {
      DeletedRecords d = await(admin.deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(3))).lowWatermarks().get(p0));
      long earliest = await(admin.listOffsets(Map.of(p0, OffsetSpec.earliest())).partitionResult(p0)).offset();
      Map<String, Object> beyond = thrown(() -> await(admin.deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(1000))).lowWatermarks().get(p0)));
      return map("lowWatermark", d.lowWatermark(), "earliestAfter", earliest, "beyondEnd", beyond);
    });

    step("describe-log-dirs", () -> {
      Map<Integer, Map<String, LogDirDescription>> all = await(admin.describeLogDirs(List.of(nodeId[0])).allDescriptions());
      List<Map<String, Object>> dirs = new ArrayList<>();
      for (Map.Entry<String, LogDirDescription> e : all.getOrDefault(nodeId[0], Map.of()).entrySet()) {
        Map<String, Object> sizes = new TreeMap<>();
        for (Map.Entry<TopicPartition, ReplicaInfo> r : e.getValue().replicaInfos().entrySet()) {
          if (r.getKey().topic().equals(topic)) sizes.put(String.valueOf(r.getKey().partition()), r.getValue().size());
        }
        dirs.add(map("path", e.getKey(), "error", e.getValue().error() == null ? null : e.getValue().error().getClass().getName(), "sizes", sizes,
            "totalBytesSet", e.getValue().totalBytes().isPresent(), "usableBytesSet", e.getValue().usableBytes().isPresent()));
      }
      return map("brokers", all.keySet(), "dirs", dirs);
    });

    step("describe-features", () -> {
      FeatureMetadata f = await(admin.describeFeatures().featureMetadata());
      Map<String, Object> supported = new TreeMap<>();
      f.supportedFeatures().forEach((k, v) -> supported.put(k, List.of(v.minVersion(), v.maxVersion())));
      Map<String, Object> finalized = new TreeMap<>();
      f.finalizedFeatures().forEach((k, v) -> finalized.put(k, List.of(v.minVersionLevel(), v.maxVersionLevel())));
      return map("supported", supported, "finalized", finalized, "finalizedEpoch", f.finalizedFeaturesEpoch().orElse(null));
    });

    step("consumer-groups", () -> {
      Map<String, Object> out = new LinkedHashMap<>();
      try (KafkaConsumer<String, String> c = consumer(group)) {
        c.subscribe(List.of(topic));
        List<ConsumerRecord<String, String>> got = pollUntil(c, 7);
        c.commitSync();
        out.put("consumed", got.size());
        ConsumerGroupDescription live = await(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group));
        out.put("liveState", live.groupState().toString());
        out.put("liveMembers", live.members().size());
        out.put("liveAssignment", live.members().isEmpty() ? List.of() : tps(live.members().iterator().next().assignment().topicPartitions()));
        out.put("liveProtocol", live.partitionAssignor());
        out.put("liveType", live.type().toString());
        Map<String, Object> deleteLive = thrown(() -> await(admin.deleteConsumerGroups(List.of(group)).all()));
        out.put("deleteWhileActive", deleteLive);
      }
      Collection<GroupListing> listed = await(admin.listGroups().all());
      List<String> names = new ArrayList<>();
      for (GroupListing g : listed) if (g.groupId().equals(group)) names.add(g.groupId() + ":" + g.groupState().map(Object::toString).orElse("?") + ":" + g.type().map(Object::toString).orElse("?"));
      out.put("listed", names);
      Collection<ConsumerGroupListing> consumerListed = await(admin.listConsumerGroups().all());
      out.put("listedConsumerGroups", consumerListed.stream().anyMatch(g -> g.groupId().equals(group)));
      ConsumerGroupDescription d = await(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group));
      out.put("stateAfterClose", d.groupState().toString());
      out.put("membersAfterClose", d.members().size());
      Map<TopicPartition, OffsetAndMetadata> offs = await(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
      out.put("committed", offsetsOf(offs));
      TopicPartition p1 = new TopicPartition(topic, 1);
      await(admin.alterConsumerGroupOffsets(group, Map.of(p0, new OffsetAndMetadata(5), p1, new OffsetAndMetadata(0))).all());
      out.put("afterAlter", offsetsOf(await(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata())));
      await(admin.deleteConsumerGroupOffsets(group, Set.of(p1)).all());
      out.put("afterDeleteOffsets", offsetsOf(await(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata())));
      await(admin.deleteConsumerGroups(List.of(group)).all());
      boolean stillListed = await(admin.listConsumerGroups().all()).stream().anyMatch(g -> g.groupId().equals(group));
      out.put("listedAfterDelete", stillListed);
      Object[] afterDelete = {null};
      Map<String, Object> describeError = thrown(() -> afterDelete[0] = await(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)).groupState().toString());
      out.put("describeAfterDelete", describeError != null ? describeError : afterDelete[0]);
      Map<String, Object> deleteMissing = thrown(() -> await(admin.deleteConsumerGroups(List.of(group)).all()));
      out.put("deleteMissing", deleteMissing);
      return out;
    });

    step("delete-topics", () -> {
      await(admin.deleteTopics(List.of(topic)).all());
      Set<String> names = await(admin.listTopics().names());
      Map<String, Object> again = thrown(() -> await(admin.deleteTopics(List.of(topic)).all()));
      return map("listedAfterDelete", names.contains(topic), "deleteAgain", again);
    });
  }

  static Map<String, Object> offsetsOf(Map<TopicPartition, OffsetAndMetadata> m) {
    Map<String, Object> out = new TreeMap<>();
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : m.entrySet()) {
      if (e.getValue() != null) out.put(e.getKey().topic() + "-" + e.getKey().partition(), e.getValue().offset());
    }
    return out;
  }
}
