/*
 * Reads a partition from its earliest offset with the Java client, for test/tiered: assigns
 * <topic>-0, seeks to the beginning (ListOffsets EARLIEST, the remote tier's start) and polls until
 * <count> records or <timeoutMs>; prints one line per record, "offset\tkey\tvalue\theader-h"
 * (values are printable ASCII in those tests). Exits 0 after <count> records, 2 on the timeout.
 *
 *   TieredRead <bootstrap> <topic> <count> <timeoutMs>
 */
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class TieredRead {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], topic = args[1];
    int count = Integer.parseInt(args[2]);
    long deadline = System.currentTimeMillis() + Long.parseLong(args[3]);
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "262144");
    StringBuilder out = new StringBuilder();
    int seen = 0;
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      while (seen < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          Header h = r.headers().lastHeader("h");
          out.append(r.offset()).append('\t')
              .append(new String(r.key(), StandardCharsets.ISO_8859_1)).append('\t')
              .append(new String(r.value(), StandardCharsets.ISO_8859_1)).append('\t')
              .append(h == null ? "" : new String(h.value(), StandardCharsets.ISO_8859_1)).append('\n');
          seen++;
        }
      }
    }
    System.out.print(out);
    System.out.flush();
    System.exit(seen >= count ? 0 : 2);
  }
}
