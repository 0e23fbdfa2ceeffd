/**
 * Test helpers for the console: a Takhin broker (in-process, free ports) with the console and the
 * Schema Registry on, seeded with topics, messages, a consumer group with committed offsets and a
 * schema, and small HTTP helpers that carry the session cookie and CSRF token like the page does.
 */
import { KafkaClient } from "../../src/client/index.ts";
import { commitOffsets, groupCoordinator } from "../../src/cli/kafka.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { CONSOLE_SERVICE, type ConsoleService } from "../../src/console/service.ts";
import type { BrokerConfig } from "../../src/config/config.ts";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";

export interface ConsoleBroker {
  tb: TestBroker;
  url: string;
  service: ConsoleService;
  client: KafkaClient;
  stop(): Promise<void>;
}

export async function startConsoleBroker(overrides: Partial<BrokerConfig> = {}): Promise<ConsoleBroker> {
  const tb = await startTestBroker({ consolePort: 0, schemaRegistryPort: 0, ...overrides }, undefined, { groups: { initialRebalanceDelayMs: 0 } });
  const service = tb.broker.services.get<ConsoleService>(CONSOLE_SERVICE)!;
  const client = await KafkaClient.connect({ bootstrap: tb.bootstrap, clientId: "console-test" });
  return {
    tb,
    url: `http://127.0.0.1:${service.port}`,
    service,
    client,
    async stop() {
      client.close();
      await tb.stop();
    },
  };
}

const enc = new TextEncoder();

/** Creates a topic and waits until every partition has a leader. */
export async function createTopic(client: KafkaClient, name: string, partitions = 1, configs: Record<string, string> = {}): Promise<void> {
  const [r] = await client.createTopics([{ name, numPartitions: partitions, replicationFactor: 1, configs }]);
  if (r!.errorCode !== 0 && r!.errorCode !== 36) throw new Error(`create ${name}: error ${r!.errorCode}`);
  for (let i = 0; i < 200; i++) {
    const md = await client.metadata([name]);
    const t = md.topics.find((x) => x.name === name);
    if (t && t.errorCode === 0 && t.partitions.length === partitions && t.partitions.every((p) => p.leaderId >= 0)) return;
    await Bun.sleep(20);
  }
  throw new Error(`topic ${name} has no leaders`);
}

export async function produceValues(client: KafkaClient, topic: string, partition: number, values: (string | Uint8Array)[], key: string | null = null): Promise<void> {
  for (let i = 0; i < values.length; i += 500) {
    const records = values.slice(i, i + 500).map((v) => ({ key: key === null ? null : enc.encode(key), value: typeof v === "string" ? enc.encode(v) : v, headers: [{ key: "source", value: enc.encode("test") }] }));
    await client.produce(topic, partition, buildRecordBatch({ records }));
  }
}

export async function commitGroup(client: KafkaClient, group: string, offsets: { topic: string; partition: number; offset: bigint }[]): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      const c = await groupCoordinator(client, group);
      await commitOffsets(client, group, c, offsets);
      return;
    } catch (e) {
      if (i > 50) throw e;
      await Bun.sleep(50);
    }
  }
}

/** An HTTP session against the console: keeps the cookie, sends the CSRF token on changes. */
export class ConsoleSession {
  cookie = "";
  csrf = "";
  constructor(readonly url: string) {}

  async init(): Promise<this> {
    const r = await this.call("GET", "/api/session");
    this.csrf = r.body.csrf ?? "";
    return this;
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; text: string; headers: Headers }> {
    const res = await fetch(this.url + path, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(this.cookie ? { cookie: this.cookie } : {}), ...(method !== "GET" && this.csrf ? { "x-csrf-token": this.csrf } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const set = res.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0]!;
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  }

  async login(user: string, password: string) {
    const r = await this.call("POST", "/api/login", { user, password });
    if (r.status === 200) this.csrf = r.body.csrf;
    return r;
  }
}
