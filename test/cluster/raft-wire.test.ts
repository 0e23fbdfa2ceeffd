/** The controller transport's message grammar: every Raft message round-trips; anything else is a WireError. */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decodeHello, decodeMessage, encodeHello, encodeMessage, WireError } from "../../src/cluster/raft-wire.ts";
import type { Message } from "../../src/raft/types.ts";

const id = fc.integer({ min: 1, max: 1000 });
const n = fc.integer({ min: 0, max: 2 ** 40 });
const bytes = fc.uint8Array({ maxLength: 64 });
const env = { from: id, to: id, term: n };
const entry = fc.record({ index: fc.integer({ min: 1, max: 2 ** 40 }), term: n, kind: fc.constantFrom("normal" as const, "conf" as const), data: bytes });
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ ...env, type: fc.constant("append" as const), prevIndex: n, prevTerm: n, entries: fc.array(entry, { maxLength: 5 }), commit: n }),
  fc.record({ ...env, type: fc.constant("appendResp" as const), index: n, reject: fc.boolean(), hintIndex: n, hintTerm: n }),
  fc.record({ ...env, type: fc.constantFrom("vote" as const, "preVote" as const), lastIndex: n, lastTerm: n, transfer: fc.boolean() }),
  fc.record({ ...env, type: fc.constantFrom("voteResp" as const, "preVoteResp" as const), reject: fc.boolean() }),
  fc.record({ ...env, type: fc.constant("heartbeat" as const), commit: n, readSeq: n }),
  fc.record({ ...env, type: fc.constant("heartbeatResp" as const), readSeq: n }),
  fc.record({
    ...env,
    type: fc.constant("snapshot" as const),
    snapshot: fc.record({ meta: fc.record({ index: n, term: n, conf: fc.record({ voters: fc.array(id, { maxLength: 5 }), learners: fc.array(id, { maxLength: 3 }) }) }), data: bytes }),
  }),
  fc.record({ ...env, type: fc.constant("timeoutNow" as const) }),
);

describe("raft wire", () => {
  test("every message round-trips", () => {
    fc.assert(fc.property(message, (m) => expect(decodeMessage(encodeMessage(m))).toEqual(m)));
  });

  test("the hello round-trips", () => {
    expect(decodeHello(encodeHello(3, "abc"))).toEqual({ raftId: 3, clusterId: "abc" });
  });

  test("random bytes and mangled messages are WireErrors, never other exceptions", () => {
    fc.assert(
      fc.property(fc.oneof(bytes, message.map((m) => encodeMessage(m)).chain((b) => fc.integer({ min: 0, max: b.length }).map((cut) => b.slice(0, cut)))), (b) => {
        try {
          decodeMessage(b);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
    );
    const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
    for (const bad of [
      { type: "nope", from: 1, to: 2, term: 0 },
      { type: "vote", from: 0, to: 2, term: 0, lastIndex: 0, lastTerm: 0, transfer: false },
      { type: "vote", from: 1, to: 2, term: -1, lastIndex: 0, lastTerm: 0, transfer: false },
      { type: "append", from: 1, to: 2, term: 1, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ index: 1, term: 1, kind: "normal", data: "!!" }] },
      { type: "heartbeat", from: 1, to: 2, term: 1, commit: "1", readSeq: 0 },
      [1, 2, 3],
    ]) {
      expect(() => decodeMessage(enc(bad))).toThrow(WireError);
    }
  });
});
