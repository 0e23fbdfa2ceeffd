import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One member of a KIP-848 consumer group (group.protocol=consumer) for test/clients/kip848-java.test.ts:
 *   Kip848Member <bootstrap> <group> <topics,comma,separated | regex:PATTERN> <assignor> [instance-id|-]
 * Prints one JSON line per event, with System.nanoTime() (CLOCK_MONOTONIC on Linux: comparable
 * across the member processes of one machine) so the test can check that no partition ever had two
 * owners: started, assigned / revoked / lost (the partitions of the callback), record (topic,
 * partition, offset), committed, closed. Commits synchronously after each non-empty poll and in
 * the revocation callback. SIGTERM closes the consumer (it leaves the group); SIGKILL does not.
 */
public class Kip848Member {
  static synchronized void emit(String event, String extra) {
    System.out.println("{\"event\":\"" + event + "\",\"t\":" + System.nanoTime() + (extra.isEmpty() ? "" : "," + extra) + "}");
    System.out.flush();
  }

  static String parts(Collection<TopicPartition> ps) {
    List<String> out = new ArrayList<>();
    for (TopicPartition p : ps) out.add("\"" + p.topic() + ":" + p.partition() + "\"");
    return "\"partitions\":[" + String.join(",", out) + "]";
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], group = args[1], sub = args[2], assignor = args[3];
    String instance = args.length > 4 ? args[4] : "-";
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("group.id", group);
    p.put("group.protocol", "consumer");
    p.put("group.remote.assignor", assignor);
    p.put("client.id", "kip848-" + (instance.equals("-") ? "member" : instance));
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "false");
    p.put("metadata.max.age.ms", "1000");
    if (!instance.equals("-")) p.put("group.instance.id", instance);
    KafkaConsumer<String, String> c = new KafkaConsumer<>(p);
    AtomicBoolean stop = new AtomicBoolean(false);
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.set(true);
      c.wakeup();
      try {
        closed.await();
      } catch (InterruptedException ignored) {
      }
    }));
    ConsumerRebalanceListener listener = new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> ps) {
        if (ps.isEmpty()) return;
        try {
          c.commitSync();
        } catch (Exception e) {
          emit("commit-failed", "\"error\":\"" + e.getClass().getSimpleName() + "\"");
        }
        emit("revoked", parts(ps));
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> ps) {
        emit("assigned", parts(ps));
      }

      @Override
      public void onPartitionsLost(Collection<TopicPartition> ps) {
        emit("lost", parts(ps));
      }
    };
    if (sub.startsWith("regex:")) c.subscribe(new SubscriptionPattern(sub.substring(6)), listener);
    else c.subscribe(Arrays.asList(sub.split(",")), listener);
    emit("started", "");
    try {
      while (!stop.get()) {
        ConsumerRecords<String, String> rs = c.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> r : rs) emit("record", "\"topic\":\"" + r.topic() + "\",\"partition\":" + r.partition() + ",\"offset\":" + r.offset());
        if (!rs.isEmpty()) {
          c.commitSync();
          emit("committed", "");
        }
      }
    } catch (WakeupException ignored) {
    } catch (Exception e) {
      emit("error", "\"error\":\"" + e.getClass().getName() + ": " + String.valueOf(e.getMessage()).replace("\"", "'") + "\"");
    } finally {
      c.close();
      emit("closed", "");
      closed.countDown();
    }
  }
}
