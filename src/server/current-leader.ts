/**
 * KIP-951: a Produce (v10+) or Fetch (v16+) answer that tells a client "not the leader" also says who
 * is: each such partition carries CurrentLeader (leader id and epoch, from the metadata image), and
 * the response lists the NodeEndpoints (host, port, rack) of those leaders, so the client re-routes
 * without waiting for a Metadata refresh. As Kafka's KafkaApis: Produce for NOT_LEADER_OR_FOLLOWER,
 * Fetch for NOT_LEADER_OR_FOLLOWER and FENCED_LEADER_EPOCH; a partition without a live leader keeps
 * the defaults (-1, -1) and adds no endpoint.
 *
 * The fields are filled after the handler answered, by wrapping the registry's produce and fetch
 * handlers (the handlers themselves stay as they are).
 */
import type { LiveBroker } from "../metadata/brokers.ts";
import { brokersFor } from "./advertised.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { RequestContext } from "./context.ts";
import { NO_RESPONSE, type HandlerRegistry } from "./registry.ts";

export const PRODUCE_CURRENT_LEADER_VERSION = 10;
export const FETCH_CURRENT_LEADER_VERSION = 16;
const PRODUCE = 0;
const FETCH = 1;

interface PartitionAnswer {
  errorCode: number;
  currentLeader?: { leaderId: number; leaderEpoch: number };
}

/**
 * Sets currentLeader on every partition of `topics` (name, partitions) whose error asks for it,
 * and returns the endpoints of the leaders named. Reads the image once.
 */
export function currentLeaders<P extends PartitionAnswer>(ctx: RequestContext, topics: Iterable<{ name: string; partitions: Iterable<P> }>, indexOf: (p: P) => number, codes: ReadonlySet<number>): LiveBroker[] {
  const image = ctx.broker.metadata.image;
  let live: Map<number, LiveBroker> | null = null;
  const named = new Map<number, LiveBroker>();
  for (const t of topics) {
    const topic = image.topic(t.name);
    for (const p of t.partitions) {
      if (!codes.has(p.errorCode)) continue;
      const reg = topic?.partitions[indexOf(p)];
      live ??= new Map(brokersFor(ctx).map((x) => [x.nodeId, x]));
      const leader = reg ? live.get(reg.leader) : undefined;
      if (!reg || !leader) continue;
      p.currentLeader = { leaderId: reg.leader, leaderEpoch: reg.leaderEpoch };
      named.set(leader.nodeId, leader);
    }
  }
  return [...named.values()].sort((a, c) => a.nodeId - c.nodeId);
}

const PRODUCE_CODES: ReadonlySet<number> = new Set([ErrorCode.NOT_LEADER_OR_FOLLOWER]);
const FETCH_CODES: ReadonlySet<number> = new Set([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.FENCED_LEADER_EPOCH]);

type Endpoints = { nodeEndpoints?: unknown[] };

function fillProduce(ctx: RequestContext, res: Endpoints & { responses: { name: string; partitionResponses: (PartitionAnswer & { index: number })[] }[] }): void {
  const eps = currentLeaders(ctx, res.responses.map((t) => ({ name: t.name, partitions: t.partitionResponses })), (p: PartitionAnswer & { index: number }) => p.index, PRODUCE_CODES);
  res.nodeEndpoints = eps.map((e) => ({ nodeId: e.nodeId, host: e.host, port: e.port, rack: e.rack }));
}

function fillFetch(ctx: RequestContext, res: Endpoints & { responses: { topic: string; partitions: (PartitionAnswer & { partitionIndex: number })[] }[] }): void {
  const eps = currentLeaders(ctx, res.responses.map((t) => ({ name: t.topic, partitions: t.partitions })), (p: PartitionAnswer & { partitionIndex: number }) => p.partitionIndex, FETCH_CODES);
  res.nodeEndpoints = eps.map((e) => ({ nodeId: e.nodeId, host: e.host, port: e.port, rack: e.rack }));
}

/** Wraps the registry's Produce and Fetch handlers so their answers carry the KIP-951 fields. */
export function addCurrentLeaderFields(registry: HandlerRegistry): void {
  for (const [key, from, fill] of [
    [PRODUCE, PRODUCE_CURRENT_LEADER_VERSION, fillProduce],
    [FETCH, FETCH_CURRENT_LEADER_VERSION, fillFetch],
  ] as const) {
    const h = registry.get(key);
    if (!h) continue;
    registry.replace({
      ...h,
      handle(ctx, request, version) {
        const out = h.handle(ctx, request, version);
        if (version < from) return out;
        const apply = (res: unknown) => {
          if (res !== NO_RESPONSE && res && typeof res === "object") fill(ctx, res as never);
          return res;
        };
        return out instanceof Promise ? out.then(apply) : apply(out);
      },
    });
  }
}
