/**
 * Encoders of the consumer protocol's embedded messages, as clients put them in JoinGroup and
 * SyncGroup (the broker only decodes them: src/coordinator/group-consumer-protocol.ts).
 *
 *   ConsumerProtocolSubscription v0 := version INT16 | topics [STRING] | user_data BYTES (null)
 *   ConsumerProtocolAssignment v0   := version INT16 | [topic STRING, partitions [INT32]] | user_data BYTES (null)
 */
const enc = new TextEncoder();

export function subscription(topics: string[]): Uint8Array {
  const parts: number[] = [0, 0, 0, 0, 0, topics.length];
  for (const t of topics) {
    const b = enc.encode(t);
    parts.push(b.length >> 8, b.length & 0xff, ...b);
  }
  parts.push(0xff, 0xff, 0xff, 0xff);
  return new Uint8Array(parts);
}

/** An assignment of partition 0 of one topic. */
export function assignment(topicName: string): Uint8Array {
  const b = enc.encode(topicName);
  return new Uint8Array([0, 0, 0, 0, 0, 1, b.length >> 8, b.length & 0xff, ...b, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
}
