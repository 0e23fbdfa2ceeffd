/**
 * The wire form of the controller quorum's Raft messages (src/raft Message), one per frame.
 *
 * ## Why not Kafka's KRaft APIs (Vote 52, BeginQuorumEpoch 53, Fetch-based replication)
 * Takhin's Raft core (src/raft) is push-based etcd-style Raft (AppendEntries, pre-vote,
 * check-quorum, InstallSnapshot), not KRaft's pull-based Fetch protocol; mapping one onto the other
 * would mean a second consensus implementation. The quorum therefore speaks the core's own
 * messages, framed as below on its own listener (the controller listener). Kafka clients never see
 * this listener; what they see (Metadata, DescribeCluster, NOT_LEADER_OR_FOLLOWER, ...) is Kafka's.
 *
 * ## Grammar (big-endian)
 *   frame   := u32 length | payload                     (length <= maxFrameBytes, else the peer is dropped)
 *   payload := UTF-8 JSON object
 *   first frame on a connection:  {"hello": <raft id of the sender>, "cluster": "<cluster id>"}
 *   every later frame:            a Message of src/raft/types.ts, with every Uint8Array
 *                                 (Entry.data, Snapshot.data) as a base64 string and a snapshot's
 *                                 conf as {voters, learners}
 *   or a controller RPC (controller-rpc.ts):  {"rpc": {...}} — the object under "rpc" is passed on
 *                                 as it is; controller-rpc.ts checks its fields
 * A frame that is not JSON, not a known message type, or has a field of the wrong shape is garbage:
 * the receiver closes the connection and logs the peer (decodeMessage throws WireError).
 */
import type { ConfState, Entry, Message, Snapshot } from "../raft/types.ts";

export class WireError extends Error {
  override name = "WireError";
}

/** Bounds of one decoded message, so a peer cannot make us allocate without limit. */
export const MAX_ENTRIES_PER_MESSAGE = 100_000;
export const MAX_CONF_MEMBERS = 1024;

const TYPES = new Set(["append", "appendResp", "vote", "preVote", "voteResp", "preVoteResp", "heartbeat", "heartbeatResp", "snapshot", "timeoutNow"]);

function b64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}

function unb64(v: unknown, what: string): Uint8Array {
  if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new WireError(`${what} is not base64`);
  return new Uint8Array(Buffer.from(v, "base64"));
}

function int(o: Record<string, unknown>, key: string, min = 0): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) throw new WireError(`field ${key} is not an integer >= ${min}`);
  return v;
}

function bool(o: Record<string, unknown>, key: string): boolean {
  const v = o[key];
  if (typeof v !== "boolean") throw new WireError(`field ${key} is not a boolean`);
  return v;
}

function ids(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.length > MAX_CONF_MEMBERS) throw new WireError(`${what} is not a list of at most ${MAX_CONF_MEMBERS} ids`);
  return v.map((x) => {
    if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 1) throw new WireError(`${what} holds a bad id`);
    return x;
  });
}

function entryToJson(e: Entry): unknown {
  return { index: e.index, term: e.term, kind: e.kind, data: b64(e.data) };
}

function entryFromJson(v: unknown): Entry {
  if (typeof v !== "object" || v === null) throw new WireError("entry is not an object");
  const o = v as Record<string, unknown>;
  if (o.kind !== "normal" && o.kind !== "conf") throw new WireError("entry kind is not normal or conf");
  return {
    index: int(o, "index", 1),
    term: int(o, "term"),
    kind: o.kind,
    data: unb64(o.data, "entry data"),
  };
}

function snapshotToJson(s: Snapshot): unknown {
  return {
    index: s.meta.index,
    term: s.meta.term,
    voters: s.meta.conf.voters,
    learners: s.meta.conf.learners,
    data: b64(s.data),
  };
}

function snapshotFromJson(v: unknown): Snapshot {
  if (typeof v !== "object" || v === null) throw new WireError("snapshot is not an object");
  const o = v as Record<string, unknown>;
  const conf: ConfState = {
    voters: ids(o.voters, "snapshot voters"),
    learners: ids(o.learners, "snapshot learners"),
  };
  return {
    meta: { index: int(o, "index"), term: int(o, "term"), conf },
    data: unb64(o.data, "snapshot data"),
  };
}

export function encodeMessage(m: Message): Uint8Array {
  let body: unknown = m;
  if (m.type === "append") body = { ...m, entries: m.entries.map(entryToJson) };
  else if (m.type === "snapshot") body = { ...m, snapshot: snapshotToJson(m.snapshot) };
  return new TextEncoder().encode(JSON.stringify(body));
}

export function encodeHello(raftId: number, clusterId: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ hello: raftId, cluster: clusterId }));
}

function parse(payload: Uint8Array): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    throw new WireError("frame is not UTF-8 JSON");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new WireError("frame is not a JSON object");
  return doc as Record<string, unknown>;
}

export function decodeHello(payload: Uint8Array): {
  raftId: number;
  clusterId: string;
} {
  const o = parse(payload);
  if (typeof o.cluster !== "string" || o.cluster.length > 64) throw new WireError("hello without a cluster id");
  return { raftId: int(o, "hello", 1), clusterId: o.cluster };
}

/** Decodes and checks one message; throws WireError on anything not of the grammar above. */
export function decodeMessage(payload: Uint8Array): Message {
  const o = parse(payload);
  const type = o.type;
  if (typeof type !== "string" || !TYPES.has(type)) throw new WireError(`unknown message type ${JSON.stringify(type)}`);
  const env = {
    from: int(o, "from", 1),
    to: int(o, "to", 1),
    term: int(o, "term"),
  };
  switch (type) {
    case "append": {
      if (!Array.isArray(o.entries) || o.entries.length > MAX_ENTRIES_PER_MESSAGE) throw new WireError("append entries is not a bounded list");
      return {
        ...env,
        type,
        prevIndex: int(o, "prevIndex"),
        prevTerm: int(o, "prevTerm"),
        entries: o.entries.map(entryFromJson),
        commit: int(o, "commit"),
      };
    }
    case "appendResp":
      return {
        ...env,
        type,
        index: int(o, "index"),
        reject: bool(o, "reject"),
        hintIndex: int(o, "hintIndex"),
        hintTerm: int(o, "hintTerm"),
      };
    case "vote":
    case "preVote":
      return {
        ...env,
        type,
        lastIndex: int(o, "lastIndex"),
        lastTerm: int(o, "lastTerm"),
        transfer: bool(o, "transfer"),
      };
    case "voteResp":
    case "preVoteResp":
      return { ...env, type, reject: bool(o, "reject") };
    case "heartbeat":
      return {
        ...env,
        type,
        commit: int(o, "commit"),
        readSeq: int(o, "readSeq"),
      };
    case "heartbeatResp":
      return { ...env, type, readSeq: int(o, "readSeq") };
    case "snapshot":
      return { ...env, type, snapshot: snapshotFromJson(o.snapshot) };
    default:
      return { ...env, type: "timeoutNow" };
  }
}

const RPC_PREFIX = new TextEncoder().encode('{"rpc":');

export function encodeRpc(body: Record<string, unknown>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ rpc: body }));
}

export function isRpc(payload: Uint8Array): boolean {
  if (payload.length < RPC_PREFIX.length) return false;
  for (let i = 0; i < RPC_PREFIX.length; i++) if (payload[i] !== RPC_PREFIX[i]) return false;
  return true;
}

export function decodeRpc(payload: Uint8Array): Record<string, unknown> {
  const o = parse(payload);
  const body = o.rpc;
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new WireError("rpc frame without an object body");
  return body as Record<string, unknown>;
}
