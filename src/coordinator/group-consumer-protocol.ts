/**
 * The one part of the consumer embedded protocol the coordinator reads: the topics in a member's
 * subscription (ConsumerProtocolSubscription: int16 version, then an array of topic names in
 * classic encoding, for every version 0-3). Used by OffsetDelete (GROUP_SUBSCRIBED_TO_TOPIC).
 */
import { Reader } from "../protocol/reader.ts";
import type { Group } from "./group-state.ts";

/** Topics of one subscription; null when the bytes are not a consumer subscription. */
export function subscribedTopics(metadata: Uint8Array): string[] | null {
  try {
    const r = new Reader(metadata);
    const version = r.int16();
    if (version < 0) return null;
    const n = r.arrayLength(false) ?? 0;
    const topics: string[] = [];
    for (let i = 0; i < n; i++) topics.push(r.string(false) ?? "");
    return topics;
  } catch {
    return null;
  }
}

/** Topics any member of a consumer group subscribes to; null when some subscription is unreadable. */
export function groupSubscriptions(g: Group): Set<string> | null {
  if (g.protocolType !== "consumer") return null;
  const out = new Set<string>();
  for (const m of g.members.values()) {
    const p = m.protocols.find((x) => x.name === g.protocolName) ?? m.protocols[0];
    if (!p) continue;
    const topics = subscribedTopics(p.metadata);
    if (topics === null) return null;
    for (const t of topics) out.add(t);
  }
  return out;
}
