/**
 * ProducerIdAllocator (src/coordinator/producer-ids.ts) against a block source that answers late,
 * fails or loses answers at random: every id handed out is unique and lies in a block the source
 * granted; a failing source fails the waiting calls (the handler's COORDINATOR_NOT_AVAILABLE)
 * instead of handing out an id twice; one node (a synchronous source) asks only when a block is used up.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ProducerIdAllocator, type ProducerIdBlock } from "../../src/coordinator/producer-ids.ts";

describe("ProducerIdAllocator", () => {
  test("ids are unique and from granted blocks, whatever the source does", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom("ok", "fail", "lost", "slow"), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 120 }), fc.integer({ min: 2, max: 25 }), async (script, calls, blockSize) => {
        let next = 0n;
        let step = 0;
        const granted: ProducerIdBlock[] = [];
        const source = async (size: bigint): Promise<ProducerIdBlock> => {
          const what = script[step++ % script.length];
          await Bun.sleep(what === "slow" ? 2 : 0);
          if (what === "fail") throw new Error("no controller");
          const b = { start: next, end: next + size };
          next = b.end; // committed by the controller, answer may still be lost
          if (what === "lost") throw new Error("timeout");
          granted.push(b);
          return b;
        };
        const a = new ProducerIdAllocator(source, true, BigInt(blockSize));
        const results = await Promise.allSettled(Array.from({ length: calls }, () => a.allocate()));
        const ids = results.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<bigint>).value);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) expect(granted.some((b) => id >= b.start && id < b.end)).toBe(true);
        if (script.every((s) => s === "ok" || s === "slow")) expect(ids.length).toBe(calls);
      }),
      { numRuns: 200 },
    );
  });

  test("a synchronous source (one node) is asked only when the block is used up", async () => {
    const asked: bigint[] = [];
    let next = 5000n;
    const a = new ProducerIdAllocator((size) => {
      asked.push(next);
      const b = { start: next, end: next + size };
      next = b.end;
      return b;
    });
    const ids: bigint[] = [];
    for (let i = 0; i < 1001; i++) ids.push(await a.allocate());
    expect(ids[0]).toBe(5000n);
    expect(ids[1000]).toBe(6000n);
    expect(asked).toEqual([5000n, 6000n]);
  });
});
