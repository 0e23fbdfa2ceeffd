/** KIP-227 fetch sessions: open, incremental updates, forgetting, epochs, eviction. */
import { describe, expect, test } from "bun:test";
import { FetchSessionCache } from "../../src/cluster/fetch-sessions.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";

const p = (topicKey: string, partition: number, fetchOffset = 0n) => ({ topicKey, partition, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1 });

describe("FetchSessionCache", () => {
  test("epoch 0 opens a session; incremental requests keep the partition set and advance the epoch", () => {
    const c = new FetchSessionCache();
    const full = c.resolve(0, 0, [p("a", 0), p("a", 1), p("b", 0)], [], 0);
    expect(full.errorCode).toBe(0);
    if (!full.ok) return;
    expect(full.sessionId).toBeGreaterThan(0);
    const inc = c.resolve(full.sessionId, 1, [p("a", 1, 10n)], [{ topicKey: "b", partitions: [0] }], 1);
    if (!inc.ok) throw new Error("unexpected error");
    expect(inc.incremental).toBe(true);
    expect(inc.partitions.map((x) => `${x.topicKey}-${x.partition}-${x.fetchOffset}`).sort()).toEqual(["a-0-0", "a-1-10"]);
    expect(c.resolve(full.sessionId, 1, [], [], 2).errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    expect(c.resolve(full.sessionId, 2, [], [], 2).errorCode).toBe(0);
    expect(c.resolve(999, 1, [], [], 3).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  test("epoch -1 closes the session and fetches without one", () => {
    const c = new FetchSessionCache();
    const full = c.resolve(0, 0, [p("a", 0)], [], 0);
    if (!full.ok) throw new Error();
    const last = c.resolve(full.sessionId, -1, [p("a", 0)], [], 1);
    expect(last.sessionId).toBe(0);
    expect(c.resolve(full.sessionId, 1, [], [], 2).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  test("incremental responses include only partitions with news", () => {
    const c = new FetchSessionCache();
    const full = c.resolve(0, 0, [p("a", 0)], [], 0);
    if (!full.ok) throw new Error();
    const st = full.partitions[0];
    const same = { errorCode: 0, recordBytes: 0, highWatermark: 5n, lastStableOffset: 5n, logStartOffset: 0n };
    expect(c.shouldInclude(st, false, same)).toBe(true);
    expect(c.shouldInclude(st, true, same)).toBe(false);
    expect(c.shouldInclude(st, true, { ...same, highWatermark: 6n, lastStableOffset: 6n })).toBe(true);
    expect(c.shouldInclude(st, true, { ...same, highWatermark: 6n, lastStableOffset: 6n, recordBytes: 10 })).toBe(true);
    expect(c.shouldInclude(st, true, { ...same, highWatermark: 6n, lastStableOffset: 6n })).toBe(false);
  });

  test("the cache is bounded and evicts the least recently used session", () => {
    const c = new FetchSessionCache(2);
    const a = c.resolve(0, 0, [p("a", 0)], [], 0);
    const b = c.resolve(0, 0, [p("b", 0)], [], 1);
    if (!a.ok || !b.ok) throw new Error();
    c.resolve(a.sessionId, 1, [], [], 2); // a is now most recent
    c.resolve(0, 0, [p("c", 0)], [], 3);
    expect(c.size).toBe(2);
    expect(c.resolve(b.sessionId, 1, [], [], 4).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    expect(c.resolve(a.sessionId, 2, [], [], 4).errorCode).toBe(0);
  });
});
