/**
 * Records the request frames real clients send, as fixtures for test/protocol/fixtures.test.ts.
 *
 *   bun scripts/capture-fixtures.ts [client ...]     (default: every client in CAPTURED_CLIENTS)
 *
 * Starts an in-process broker and a recording TCP proxy in front of it; the broker advertises the
 * proxy's port, so a client that reconnects to the advertised broker stays on the proxy. Each
 * client's discovery script (test/clients/scripts) runs through the proxy, and every request frame
 * it sent is written, without its 4-byte size prefix, to
 *
 *   test/fixtures/requests/<client>/<seq>-<ApiName>-v<version>.bin
 *
 * with a manifest.json beside them (client and version, and per frame: api key, version,
 * correlation id, client id, connection number, file). A client's directory is replaced whole.
 */
import type { Socket } from "bun";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { API_BY_KEY } from "../src/protocol/apis.ts";
import { readHeaderPrefix } from "../src/protocol/header.ts";
import { Reader } from "../src/protocol/reader.ts";
import { CAPTURED_CLIENTS, KCAT, runClient, type ClientSpec } from "../test/clients/clients.ts";
import { removeDir, startTestBroker } from "../test/helpers/broker.ts";
import { Outbox } from "../test/helpers/outbox.ts";

const FIXTURES_DIR = join(import.meta.dir, "..", "test", "fixtures", "requests");
const CLIENT_TIMEOUT_MS = 30_000;
/** A frame larger than this is not a discovery request; the proxy refuses to buffer it. */
const MAX_FRAME_BYTES = 1 << 20;
/** Time for the last bytes a client wrote before exiting to reach the proxy. */
const SETTLE_MS = 200;

interface Captured {
  connection: number;
  frame: Uint8Array;
}


interface ProxyConn {
  id: number;
  toBroker: Outbox;
  toClient: Outbox;
  upstream: Socket<any> | null;
  closed: boolean;
  inbuf: Uint8Array;
}

/** Splits the client-to-broker byte stream into frames and records each one. */
function recordFrames(c: ProxyConn, data: Uint8Array, sink: Captured[]): void {
  const merged = new Uint8Array(c.inbuf.length + data.length);
  merged.set(c.inbuf);
  merged.set(data, c.inbuf.length);
  let off = 0;
  while (merged.length - off >= 4) {
    const size = new DataView(merged.buffer, merged.byteOffset + off).getInt32(0);
    if (size < 0 || size > MAX_FRAME_BYTES) throw new Error(`connection ${c.id}: frame size ${size} out of range`);
    if (merged.length - off - 4 < size) break;
    sink.push({ connection: c.id, frame: merged.slice(off + 4, off + 4 + size) });
    off += 4 + size;
  }
  c.inbuf = merged.slice(off);
}

function startProxy(brokerPort: number) {
  let sink: Captured[] = [];
  let nextId = 1;
  const conns = new Set<ProxyConn>();
  const listener = Bun.listen<{ conn: ProxyConn }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        const conn: ProxyConn = { id: nextId++, toBroker: new Outbox(), toClient: new Outbox(client), upstream: null, closed: false, inbuf: new Uint8Array(0) };
        client.data = { conn };
        conns.add(conn);
        Bun.connect({
          hostname: "127.0.0.1",
          port: brokerPort,
          socket: {
            data: (_s, d) => conn.toClient.write(d),
            drain: () => conn.toBroker.flush(),
            close: () => void client.end(),
            error: () => void client.end(),
          },
        }).then(
          (up) => {
            if (conn.closed) return void up.end();
            conn.upstream = up;
            conn.toBroker.attach(up);
          },
          () => void client.end(),
        );
      },
      data(client, d) {
        const conn = client.data.conn;
        recordFrames(conn, d, sink);
        conn.toBroker.write(d);
      },
      drain(client) {
        client.data.conn.toClient.flush();
      },
      close(client) {
        const conn = client.data.conn;
        conn.closed = true;
        conn.upstream?.end();
        conns.delete(conn);
      },
      error() {},
    },
  });
  return {
    port: listener.port,
    /** Starts a new recording and returns what the previous one captured. */
    take(): Captured[] {
      const out = sink;
      sink = [];
      nextId = 1;
      return out;
    },
    stop() {
      listener.stop(true);
    },
  };
}

async function clientVersion(spec: ClientSpec, stdout: string): Promise<Record<string, string>> {
  if (spec.name === "kcat") {
    const res = await runClient([KCAT, "-V"], 5000);
    const m = (res.stdout + res.stderr).match(/Version (\S+) .*librdkafka (\S+)/);
    return m ? { version: m[1], librdkafka: m[2] } : { version: "unknown" };
  }
  const raw = spec.parse(stdout).raw;
  const out: Record<string, string> = { version: raw.version };
  if (raw.librdkafka) out.librdkafka = raw.librdkafka;
  return out;
}

function describeFrame(frame: Uint8Array) {
  const r = new Reader(frame);
  const { apiKey, apiVersion, correlationId } = readHeaderPrefix(r);
  const clientId = r.string(false);
  const name = API_BY_KEY.get(apiKey)?.name ?? `Unknown${apiKey}`;
  return { apiKey, apiName: name, apiVersion, correlationId, clientId };
}

const wanted = process.argv.slice(2);
const specs = wanted.length ? CAPTURED_CLIENTS.filter((s) => wanted.includes(s.name)) : CAPTURED_CLIENTS;
if (wanted.length && specs.length !== wanted.length) {
  console.error(`unknown client in ${wanted.join(", ")}; known: ${CAPTURED_CLIENTS.map((s) => s.name).join(", ")}`);
  process.exit(2);
}

const tb = await startTestBroker({ nodeId: 1 });
tb.broker.context.topics.create("fixture-topic", 2);
tb.broker.context.topics.create("fixture.other_topic", 1);
const proxy = startProxy(tb.port);
tb.broker.context.advertisedPort = proxy.port;
const bootstrap = `127.0.0.1:${proxy.port}`;
let failed = false;
try {
  for (const spec of specs) {
    proxy.take();
    const res = await runClient(spec.argv(bootstrap), CLIENT_TIMEOUT_MS);
    await Bun.sleep(SETTLE_MS);
    const captured = proxy.take();
    if (res.exitCode !== 0 || res.timedOut) {
      console.error(`${spec.name}: exit ${res.exitCode}${res.timedOut ? " (timed out)" : ""}\n${res.stdout}\n${res.stderr}`);
      failed = true;
      continue;
    }
    // The client must have stayed on the proxy: it reports the advertised (proxy) port.
    const seen = spec.parse(res.stdout);
    if (seen.brokers.some((b) => b.port !== proxy.port)) throw new Error(`${spec.name} saw brokers ${JSON.stringify(seen.brokers)}, not the proxy`);

    const dir = join(FIXTURES_DIR, spec.name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const frames = captured.map((c, i) => {
      const h = describeFrame(c.frame);
      const file = `${String(i + 1).padStart(3, "0")}-${h.apiName}-v${h.apiVersion}.bin`;
      writeFileSync(join(dir, file), c.frame);
      return { seq: i + 1, connection: c.connection, ...h, bytes: c.frame.length, file };
    });
    const manifest = { client: spec.name, ...(await clientVersion(spec, res.stdout)), command: spec.argv("<bootstrap>").map((a) => a.replace(/^.*\/test\/clients\//, "test/clients/")), frames };
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    console.log(`${spec.name}: ${frames.length} frames: ${frames.map((f) => `${f.apiName} v${f.apiVersion}`).join(", ")}`);
  }
} finally {
  proxy.stop();
  await tb.stop();
  removeDir(tb.dataDir);
}
process.exit(failed ? 1 : 0);
