/**
 * The console's JavaScript filter sandbox under attack (src/console/filter-sandbox): every test
 * runs a hostile or broken filter through runFilter — the real sandbox process and QuickJS engine —
 * and checks both the reported error and that the host is untouched and keeps serving.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeFilterSandbox, filterSandboxPids, runFilter, warmFilterSandbox, type FilterLimits, type FilterMessage } from "../../src/console/filter-sandbox/index.ts";
import { processAlive } from "../../src/util/process.ts";
import { CONSOLE_FILTER_MAX_CODE_BYTES } from "../../src/limits.ts";

const LIMITS: FilterLimits = { timeoutMs: 10_000, memoryBytes: 16 * 1024 * 1024, maxScanned: 100_000 };
/** For the runs meant to time out (the loaded CI machine gets the long LIMITS for the others). */
const SHORT: FilterLimits = { ...LIMITS, timeoutMs: 500 };

function messages(n: number): FilterMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    topic: "orders",
    partition: i % 3,
    offset: String(1000 + i),
    timestamp: 1_700_000_000_000 + i,
    key: i % 4 === 0 ? null : `k${i}`,
    value: i % 5 === 0 ? null : JSON.stringify({ id: i, amount: i * 10 }),
    headers: (i % 2 ? { source: `s${i % 3}` } : {}) as Record<string, string>,
  }));
}

const MSGS = messages(50);

beforeAll(async () => {
  await warmFilterSandbox();
});
afterAll(() => closeFilterSandbox());

/** A host timer that must keep firing while a filter misbehaves (the event loop is not blocked). */
async function hostTicksDuring<T>(work: Promise<T>): Promise<{ result: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 20);
  try {
    const result = await work;
    return { result, ticks };
  } finally {
    clearInterval(timer);
  }
}

describe("filter semantics", () => {
  test("keeps the messages the body returns truthy for, and sees every field", async () => {
    const r = await runFilter(
      `return partition === 1 && key !== null && value !== null && JSON.parse(value).amount >= 100 && offset.startsWith("10") && timestamp > 0 && headers.source !== undefined`,
      MSGS,
      LIMITS,
    );
    const expected = MSGS.flatMap((m, i) =>
      m.partition === 1 && m.key !== null && m.value !== null && JSON.parse(m.value).amount >= 100 && m.headers.source !== undefined ? [i] : [],
    );
    expect(r.error).toBeUndefined();
    expect(r.matched).toEqual(expected);
    expect(r.scanned).toBe(MSGS.length);
  });

  test("maxScanned bounds the messages looked at", async () => {
    const r = await runFilter("return true", MSGS, { ...LIMITS, maxScanned: 7 });
    expect(r).toEqual({ matched: [0, 1, 2, 3, 4, 5, 6], scanned: 7 });
  });

  test("chunks are stitched back with the right indexes (more messages than one chunk)", async () => {
    const many = messages(5_003);
    const r = await runFilter("return Number(offset) % 997 === 0", many, LIMITS);
    expect(r.error).toBeUndefined();
    expect(r.matched).toEqual(many.flatMap((m, i) => (Number(m.offset) % 997 === 0 ? [i] : [])));
    expect(r.scanned).toBe(5_003);
  });
});

describe("attacks", () => {
  test("an endless loop times out and the host keeps serving", async () => {
    const { result, ticks } = await hostTicksDuring(runFilter("for (;;) {}", MSGS, SHORT));
    expect(result.error?.kind).toBe("timeout");
    expect(result.scanned).toBe(0);
    expect(ticks).toBeGreaterThan(0);
    // The sandbox serves the next run normally.
    expect((await runFilter("return true", MSGS.slice(0, 3), LIMITS)).matched).toEqual([0, 1, 2]);
  });

  test("a loop in the middle of the scan reports what was scanned before it", async () => {
    const r = await runFilter("if (offset === '1010') for (;;) {} return true", MSGS, SHORT);
    expect(r.error?.kind).toBe("timeout");
    expect(r.scanned).toBe(10);
    expect(r.matched).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("catastrophic regex backtracking times out", async () => {
    const r = await runFilter("return /(a+)+$/.test('a'.repeat(40) + 'b')", MSGS, SHORT);
    expect(r.error?.kind).toBe("timeout");
  });

  test("a huge single allocation is a memory error", async () => {
    const r = await runFilter("return 'x'.repeat(1e9).length > 0", MSGS, LIMITS);
    expect(r.error?.kind).toBe("memory");
  });

  test("many small allocations reach the memory bound (not the timeout)", async () => {
    for (const code of [
      "const a = []; for (;;) a.push('x'.repeat(10000) + a.length)",
      "const a = []; for (;;) a.push(new Array(10000).fill(1))",
      "const a = []; for (;;) a.push(new ArrayBuffer(1 << 20))",
    ]) {
      const r = await runFilter(code, MSGS, { ...LIMITS, timeoutMs: 20_000 });
      expect(r.error?.kind).toBe("memory");
    }
  });

  test("deep recursion is a runtime error", async () => {
    const r = await runFilter("function f() { return f() + 1 } return f()", MSGS, LIMITS);
    expect(r.error).toEqual({ kind: "runtime", message: "InternalError: stack overflow" });
  });

  test.each([
    ["process", "return process.env.HOME !== undefined"],
    ["require", "return require('node:fs') !== undefined"],
    ["fetch", "return fetch('http://127.0.0.1:1/') !== undefined"],
    ["Bun", "return Bun.file('/etc/passwd') !== undefined"],
    ["globalThis.constructor.constructor", "return globalThis.constructor.constructor('return process')().pid > 0"],
    ["Function of a value's prototype", "return ({}).constructor.constructor('return process')().pid > 0"],
    ["setTimeout", "setTimeout(() => {}, 10); return true"],
    ["Deno / module", "return typeof module !== 'undefined' ? module : Deno"],
  ])("no host global: %s", async (_name, code) => {
    const r = await runFilter(code, MSGS, LIMITS);
    expect(r.error?.kind).toBe("runtime");
    expect(r.error?.message).toMatch(/ReferenceError: '(process|require|fetch|Bun|setTimeout|Deno)' is not defined/);
    expect(r.matched).toEqual([]);
  });

  test("the VM's globals are QuickJS's built-ins only", async () => {
    const r = await runFilter(
      "const names = Object.getOwnPropertyNames(globalThis); return !names.some((n) => ['process','require','fetch','Bun','setTimeout','setInterval','queueMicrotask','WebAssembly','Worker','XMLHttpRequest','navigator','std','os'].includes(n))",
      MSGS.slice(0, 1),
      LIMITS,
    );
    expect(r).toEqual({ matched: [0], scanned: 1 });
  });

  test("dynamic import() reaches no module and is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "filter-import-"));
    const marker = join(dir, "escaped");
    const r = await runFilter(`return import("node:fs").then((fs) => fs.writeFileSync(${JSON.stringify(marker)}, "x"))`, MSGS, LIMITS);
    expect(r.error?.kind).toBe("runtime");
    expect(r.error?.message).toContain("Promise");
    await Bun.sleep(50);
    expect(existsSync(marker)).toBe(false);
  });

  test("prototype pollution stays inside the run", async () => {
    const polluted = await runFilter("Object.prototype.polluted = 'yes'; Array.prototype.push = null; String.prototype.includes = () => true; return true", MSGS, LIMITS);
    expect(polluted.error).toBeUndefined();
    expect(polluted.matched.length).toBe(MSGS.length);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof Array.prototype.push).toBe("function");
    expect("abc".includes("z")).toBe(false);
    // The next run is a fresh VM: nothing of the last one is left.
    const next = await runFilter("return ({}).polluted === 'yes' || 'abc'.includes('z') || typeof [].push !== 'function'", MSGS, LIMITS);
    expect(next).toEqual({ matched: [], scanned: MSGS.length });
  });

  test("a global set by one run is not there in the next", async () => {
    await runFilter("globalThis.leak = 42; return true", MSGS.slice(0, 1), LIMITS);
    const r = await runFilter("return typeof leak === 'undefined'", MSGS.slice(0, 1), LIMITS);
    expect(r).toEqual({ matched: [0], scanned: 1 });
  });

  test("a filter that throws is a runtime error, with what was matched before it", async () => {
    const r = await runFilter("if (offset === '1003') throw new RangeError('boom at ' + offset); return true", MSGS, LIMITS);
    expect(r).toEqual({ matched: [0, 1, 2], scanned: 3, error: { kind: "runtime", message: "RangeError: boom at 1003" } });
  });

  test("throwing a non-Error value is reported too", async () => {
    const r = await runFilter("throw { toString() { for (;;) {} } }", MSGS, SHORT);
    expect(r.error?.kind).toBe("runtime");
  });

  test("syntax errors are reported before any message is scanned", async () => {
    for (const code of ["return (", "return value ===", "let let = 1", "return }"]) {
      const r = await runFilter(code, MSGS, LIMITS);
      expect(r.error?.kind).toBe("syntax");
      expect(r.error?.message).toStartWith("SyntaxError:");
      expect(r.scanned).toBe(0);
    }
  });

  test("very long code is refused without being compiled", async () => {
    const code = `return true; /* ${"x".repeat(CONSOLE_FILTER_MAX_CODE_BYTES)} */`;
    const r = await runFilter(code, MSGS, LIMITS);
    expect(r.error?.kind).toBe("syntax");
    expect(r.error?.message).toContain(String(CONSOLE_FILTER_MAX_CODE_BYTES));
    // Just under the bound is accepted.
    const ok = await runFilter(`return true; //${"x".repeat(CONSOLE_FILTER_MAX_CODE_BYTES - 20)}`, MSGS.slice(0, 2), LIMITS);
    expect(ok).toEqual({ matched: [0, 1], scanned: 2 });
  });

  test("a long error message is cut", async () => {
    const r = await runFilter("throw new Error('e'.repeat(100000))", MSGS, LIMITS);
    expect(r.error?.kind).toBe("runtime");
    expect(r.error!.message.length).toBeLessThan(1100);
  });

  test("aborted mid-scan: stops with what it had, and the sandbox serves the next run", async () => {
    const many = messages(3000);
    const ac = new AbortController();
    // Every message spins for a while, so the scan is long; abort once it is under way.
    const run = runFilter("const t = Date.now(); while (Date.now() - t < 2) {} return Number(offset) % 2 === 0", many, { ...LIMITS, timeoutMs: 30_000 }, ac.signal);
    await Bun.sleep(1000);
    ac.abort();
    const result = await run;
    expect(result.error?.kind).toBe("aborted");
    expect(result.scanned).toBeGreaterThan(0);
    expect(result.scanned).toBeLessThan(many.length);
    expect(result.matched).toEqual(many.slice(0, result.scanned).flatMap((m, i) => (Number(m.offset) % 2 === 0 ? [i] : [])));
    expect((await runFilter("return true", MSGS.slice(0, 2), LIMITS)).matched).toEqual([0, 1]);
  });

  test("an already aborted signal runs nothing", async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await runFilter("return true", MSGS, LIMITS, ac.signal);
    expect(r).toEqual({ matched: [], scanned: 0, error: { kind: "aborted", message: "the filter run was cancelled" } });
  });

  test("runs at the same time each get their own answer", async () => {
    const results = await Promise.all([
      runFilter("for (;;) {}", MSGS, SHORT),
      runFilter("return partition === 0", MSGS, LIMITS),
      runFilter("return partition === 1", MSGS, LIMITS),
      runFilter("return (", MSGS, LIMITS),
    ]);
    expect(results[0]!.error?.kind).toBe("timeout");
    expect(results[1]!.matched).toEqual(MSGS.flatMap((m, i) => (m.partition === 0 ? [i] : [])));
    expect(results[2]!.matched).toEqual(MSGS.flatMap((m, i) => (m.partition === 1 ? [i] : [])));
    expect(results[3]!.error?.kind).toBe("syntax");
  });
});

describe("the host's outer guard", () => {
  test("a sandbox process that never answers is killed with SIGKILL after the deadline and a grace period", async () => {
    // The one fault that cannot be produced from a filter: a run the interrupt handler cannot stop.
    // TAKHIN_FILTER_SANDBOX_NO_INTERRUPT=1 makes new sandbox processes run without one.
    closeFilterSandbox();
    process.env.TAKHIN_FILTER_SANDBOX_NO_INTERRUPT = "1";
    try {
      await warmFilterSandbox();
      const before = filterSandboxPids();
      expect(before.length).toBeGreaterThan(0);
      const { result, ticks } = await hostTicksDuring(runFilter("for (;;) {}", MSGS, { ...LIMITS, timeoutMs: 200 }));
      expect(result.error).toEqual({ kind: "timeout", message: "the filter ran out of time" });
      expect(ticks).toBeGreaterThan(0);
      const killed = before.filter((pid) => !filterSandboxPids().includes(pid));
      expect(killed.length).toBe(1);
      await until(() => !processAlive(killed[0]!));
    } finally {
      delete process.env.TAKHIN_FILTER_SANDBOX_NO_INTERRUPT;
      closeFilterSandbox();
    }
    // Fresh processes (with the interrupt handler) serve the next run.
    expect(await runFilter("return true", MSGS.slice(0, 2), LIMITS)).toEqual({ matched: [0, 1], scanned: 2 });
  });
});

async function until(probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(20);
  }
}
