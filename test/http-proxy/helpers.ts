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
