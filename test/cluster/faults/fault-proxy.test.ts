/**
 * The fault proxy itself, against an echo server on loopback: pass forwards both ways, delay holds
 * bytes back and keeps their order, drop closes open and new connections, blackhole keeps the
 * connection and swallows the bytes, and leaving blackhole closes the swallowed connections.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { BLACKHOLE, DROP, delay, FaultNet, FaultProxy, PASS } from "../../helpers/fault-proxy.ts";

let echo: Server;
let echoPort = 0;

beforeAll(async () => {
  echo = createServer((s) => {
    s.on("error", () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", () => r()));
  echoPort = (echo.address() as { port: number }).port;
});
afterAll(() => echo.close());

interface Conn {
  s: Socket;
  got: () => string;
  closed: () => boolean;
}

async function dial(port: number): Promise<Conn> {
  let data = "";
  let closed = false;
  const s = createConnection({ host: "127.0.0.1", port });
  s.on("data", (d) => (data += d.toString()));
  s.on("close", () => (closed = true));
  s.on("error", () => {});
  await new Promise<void>((r) => s.once("connect", () => r()));
  return { s, got: () => data, closed: () => closed };
}

async function until(f: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (f()) return true;
    await Bun.sleep(10);
  }
  return f();
}

describe("FaultProxy", () => {
  test("pass, delay (ordered), blackhole, back to pass, drop", async () => {
    const p = await FaultProxy.start({ targetPort: echoPort });
    try {
      const c = await dial(p.port);
      c.s.write("hello");
      expect(await until(() => c.got() === "hello")).toBe(true);

      p.setMode(delay(300));
      const t0 = Date.now();
      c.s.write("a");
      c.s.write("b");
      c.s.write("c");
      expect(await until(() => c.got() === "helloabc")).toBe(true);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);

      p.setMode(BLACKHOLE);
      c.s.write("lost");
      await Bun.sleep(200);
      expect(c.got()).toBe("helloabc");
      expect(c.closed()).toBe(false);
      const b = await dial(p.port); // accepted, never connected upstream
      b.s.write("x");
      await Bun.sleep(200);
      expect(b.got()).toBe("");

      p.setMode(PASS);
      expect(await until(() => c.closed() && b.closed())).toBe(true);
      const d = await dial(p.port);
      d.s.write("again");
      expect(await until(() => d.got() === "again")).toBe(true);

      p.setMode(DROP);
      expect(await until(() => d.closed())).toBe(true);
      const e = await dial(p.port).catch(() => null);
      if (e) expect(await until(() => e.closed())).toBe(true);
      expect(p.connections).toBe(0);
    } finally {
      await p.stop();
    }
  });

  test("FaultNet: one proxy per directed link; isolate cuts both directions of one node only", async () => {
    const net = await FaultNet.start([0, 1, 2], () => echoPort);
    try {
      expect(new Set([0, 1, 2].flatMap((a) => [0, 1, 2].filter((b) => b !== a).map((b) => net.link(a, b).port))).size).toBe(6);
      net.isolate(0, DROP);
      for (const [a, b] of [[0, 1], [1, 0], [0, 2], [2, 0]]) expect(net.link(a!, b!).mode.kind).toBe("drop");
      expect(net.link(1, 2).mode.kind).toBe("pass");
      expect(net.link(2, 1).mode.kind).toBe("pass");
      const c = await dial(net.addressOf(1, 2).port);
      c.s.write("ok");
      expect(await until(() => c.got() === "ok")).toBe(true);
      c.s.destroy();
      net.heal();
      expect(net.link(0, 1).mode.kind).toBe("pass");
    } finally {
      await net.stop();
    }
  });
});
