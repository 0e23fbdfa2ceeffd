/** The delayed-operation purgatory: completion by event, by deadline or at shutdown, exactly once. */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DelayedOperation, Purgatory } from "../../src/cluster/purgatory.ts";

class Op extends DelayedOperation {
  completions = 0;
  expired = false;
  constructor(public ready: () => boolean, private readonly onDone: (op: Op) => void = () => {}) {
    super();
  }
  canComplete(): boolean {
    return this.ready();
  }
  protected override onExpire(): void {
    this.expired = true;
  }
  protected onComplete(): void {
    this.completions++;
    this.onDone(this);
  }
}

describe("Purgatory", () => {
  test("an operation that can complete does not wait", () => {
    const p = new Purgatory<Op>("t");
    const op = new Op(() => true);
    expect(p.tryCompleteElseWatch(op, ["a"], 10_000)).toBe(true);
    expect(op.completions).toBe(1);
    expect(p.size).toBe(0);
  });

  test("an event on a watched key completes it; events on other keys do not", () => {
    const p = new Purgatory<Op>("t");
    let ready = false;
    const op = new Op(() => ready);
    expect(p.tryCompleteElseWatch(op, ["a", "b"], 10_000)).toBe(false);
    ready = true;
    expect(p.checkAndComplete("c")).toBe(0);
    expect(op.completions).toBe(0);
    expect(p.checkAndComplete("b")).toBe(1);
    expect(op.completions).toBe(1);
    expect(p.checkAndComplete("a")).toBe(0);
    expect(op.completions).toBe(1);
    expect(p.size).toBe(0);
    expect(p.watchedKeyCount).toBe(0);
  });

  test("deadlines expire in order from one timer", async () => {
    const p = new Purgatory<Op>("t");
    const order: number[] = [];
    const ops = [60, 20, 40].map((ms) => {
      const op = new Op(() => false, () => order.push(ms));
      p.tryCompleteElseWatch(op, ["k"], ms);
      return op;
    });
    await new Promise<void>((resolve) => {
      const check = () => (order.length === 3 ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(order).toEqual([20, 40, 60]);
    for (const op of ops) {
      expect(op.expired).toBe(true);
      expect(op.completions).toBe(1);
    }
    expect(p.size).toBe(0);
  });

  test("past maxOperations or maxWatchersPerKey an operation answers at once", () => {
    const p = new Purgatory<Op>("t", { maxOperations: 2, maxWatchersPerKey: 1 });
    const a = new Op(() => false);
    const b = new Op(() => false);
    const c = new Op(() => false);
    const d = new Op(() => false);
    expect(p.tryCompleteElseWatch(a, ["x"], 10_000)).toBe(false);
    expect(p.tryCompleteElseWatch(b, ["x"], 10_000)).toBe(true); // key x full
    expect(p.tryCompleteElseWatch(c, ["y"], 10_000)).toBe(false);
    expect(p.tryCompleteElseWatch(d, ["z"], 10_000)).toBe(true); // purgatory full
    expect([a, b, c, d].map((o) => o.completions)).toEqual([0, 1, 0, 1]);
    p.completeAll();
    expect([a, b, c, d].map((o) => o.completions)).toEqual([1, 1, 1, 1]);
  });

  test("a throwing check completes the operation instead of wedging it", () => {
    const errors: unknown[] = [];
    const p = new Purgatory<Op>("t", { onError: (e) => errors.push(e) });
    let armed = false;
    const op = new Op(() => {
      if (armed) throw new Error("boom");
      return false;
    });
    p.tryCompleteElseWatch(op, ["k"], 10_000);
    armed = true;
    p.checkAndComplete("k");
    expect(op.completions).toBe(1);
    expect(errors.length).toBe(1);
    expect(p.size).toBe(0);
  });

  test("property: every operation completes exactly once, and only when ready or at shutdown", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ keys: fc.subarray(["a", "b", "c", "d"], { minLength: 0 }), readyAfter: fc.integer({ min: 0, max: 30 }) }), { maxLength: 40 }),
        fc.array(fc.constantFrom("a", "b", "c", "d", "e"), { maxLength: 60 }),
        (specs, events) => {
          const p = new Purgatory<Op>("prop", { maxOperations: 25, maxWatchersPerKey: 12 });
          let tick = 0;
          const ops = specs.map((s) => {
            const op = new Op(() => tick >= s.readyAfter);
            p.tryCompleteElseWatch(op, s.keys, 60_000);
            return { op, s };
          });
          for (const key of events) {
            tick++;
            p.checkAndComplete(key);
            for (const { op } of ops) expect(op.completions).toBeLessThanOrEqual(1);
          }
          p.completeAll();
          for (const { op } of ops) expect(op.completions).toBe(1);
          expect(p.size).toBe(0);
          expect(p.watchedKeyCount).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
