/** Shared bits of the HTTP Proxy tests: a broker with the proxy on a free port, fetch helpers. */
import { Kafka, logLevel } from "kafkajs";
import type { BrokerConfig } from "../../src/config/config.ts";
import { HTTP_PROXY_SERVICE, type HttpProxyService } from "../../src/http-proxy/service.ts";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";

export interface ProxyBroker extends TestBroker {
  url: string;
}

export async function startProxyBroker(overrides: Partial<BrokerConfig> = {}): Promise<ProxyBroker> {
  const tb = await startTestBroker({ httpProxyPort: 0, ...overrides }, undefined, { groups: { initialRebalanceDelayMs: 0 } });
  const svc = tb.broker.services.get<HttpProxyService>(HTTP_PROXY_SERVICE)!;
  return { ...tb, url: `http://127.0.0.1:${svc.port}` };
}

export function kafkaOf(bootstrap: string): Kafka {
  return new Kafka({ clientId: "http-proxy-test", brokers: [bootstrap], logLevel: logLevel.NOTHING });
}

export async function createTopic(bootstrap: string, topic: string, numPartitions: number, configs: Record<string, string> = {}): Promise<void> {
  const admin = kafkaOf(bootstrap).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** fetch() returning status, content type and the parsed JSON body (null for an empty body). */
export async function call(url: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: any }> {
  const r = await fetch(url, init);
  const text = await r.text();
  return { status: r.status, type: r.headers.get("content-type"), body: text ? JSON.parse(text) : null };
}

/**
 * A GET with a body, as Confluent's reference sends GET .../offsets (fetch() refuses a GET body):
 * HTTP/1.1 written on a socket, the answer read to its end (Connection: close).
 */
export async function getWithBody(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: any }> {
  const u = new URL(url);
  const { connect } = await import("node:net");
  return new Promise((resolve, reject) => {
    const sock = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(new Error("getWithBody timed out")), 30_000);
    sock.on("connect", () => {
      const bytes = Buffer.from(body);
      const head = [`GET ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${bytes.length}`, "Connection: close", "", ""].join("\r\n");
      sock.write(Buffer.concat([Buffer.from(head), bytes]));
    });
    sock.on("data", (d) => chunks.push(Buffer.from(d)));
    sock.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString();
      const [head, ...rest] = text.split("\r\n\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head ?? "")?.[1] ?? 0);
      let payload = rest.join("\r\n\r\n");
      if (/transfer-encoding: chunked/i.test(head ?? "")) {
        let out = "";
        let s = payload;
        for (;;) {
          const i = s.indexOf("\r\n");
          const n = parseInt(s.slice(0, i), 16);
          if (!n) break;
          out += s.slice(i + 2, i + 2 + n);
          s = s.slice(i + 2 + n + 2);
        }
        payload = out;
      }
      resolve({ status, body: payload ? JSON.parse(payload) : null });
    });
  });
}
