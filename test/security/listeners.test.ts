/**
 * Named listeners (issue 19 item 1): several client listeners on one node, each on its own port
 * with its security protocol from listener_security_protocol_map, each advertising its own endpoint:
 * kcat's metadata over each listener names that listener's advertised address, as Kafka answers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../src/config/config.ts";
import { clusterConfigOf } from "../../src/cluster/cluster-config.ts";
import { removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { KCAT, runClient } from "../clients/clients.ts";

function refusal(env: Record<string, string>): string {
  try {
    clusterConfigOf(loadConfig({ env }));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("listener configuration", () => {
  test("one node with several listeners stays one node; protocols from the map, defaults by name", () => {
    const c = clusterConfigOf(
      loadConfig({ env: { TAKHIN_LISTENERS: "PLAINTEXT://:9092,SASL_SSL://:9094,INTERNAL://127.0.0.1:9095", TAKHIN_LISTENER_SECURITY_PROTOCOL_MAP: "PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,internal:ssl", TAKHIN_ADVERTISED_HOST: "kafka.example" } }),
    );
    expect(c.standalone).toBe(true);
    expect(c.clientListeners.map((l) => l.name)).toEqual(["PLAINTEXT", "SASL_SSL", "INTERNAL"]);
    expect([...c.securityProtocols]).toEqual([["PLAINTEXT", "PLAINTEXT"], ["SASL_SSL", "SASL_SSL"], ["INTERNAL", "SSL"]]);
    expect(c.advertisedListeners.map((l) => `${l.name}://${l.host}:${l.port}`)).toEqual(["PLAINTEXT://kafka.example:9092", "SASL_SSL://kafka.example:9094", "INTERNAL://127.0.0.1:9095"]);
    const d = clusterConfigOf(loadConfig({ env: { TAKHIN_LISTENERS: "SSL://:9093,SASL_PLAINTEXT://:9094" } }));
    expect([...d.securityProtocols.values()]).toEqual(["SSL", "SASL_PLAINTEXT"]);
  });

  const cases: [string, Record<string, string>, string][] = [
    ["a listener without a protocol", { TAKHIN_LISTENERS: "EXTERNAL://:9092" }, "listener EXTERNAL has no security protocol in listener_security_protocol_map"],
    ["an unknown protocol", { TAKHIN_LISTENERS: "A://:9092", TAKHIN_LISTENER_SECURITY_PROTOCOL_MAP: "A:TLS" }, 'unknown security protocol "TLS"'],
    ["a malformed entry", { TAKHIN_LISTENERS: "A://:9092", TAKHIN_LISTENER_SECURITY_PROTOCOL_MAP: "A" }, 'entry "A" is not NAME:PROTOCOL'],
    ["a name twice", { TAKHIN_LISTENERS: "A://:9092", TAKHIN_LISTENER_SECURITY_PROTOCOL_MAP: "A:SSL,a:SSL" }, "listener A given twice"],
    [
      "a secured inter-broker listener in a cluster",
      { TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: "0@127.0.0.1:19093", TAKHIN_LISTENERS: "PLAINTEXT://:9092,CONTROLLER://:19093", TAKHIN_LISTENER_SECURITY_PROTOCOL_MAP: "PLAINTEXT:SSL,CONTROLLER:PLAINTEXT" },
      "listener PLAINTEXT carries traffic between nodes and must be PLAINTEXT",
    ],
  ];
  for (const [name, env, message] of cases) test(`refused: ${name}`, () => expect(refusal(env)).toContain(message));

  test("a cluster node serves several client listeners; the inter-broker one is its main listener", () => {
    const c = clusterConfigOf(
      loadConfig({
        env: {
          TAKHIN_PROCESS_ROLES: "broker,controller",
          TAKHIN_CONTROLLER_QUORUM_VOTERS: "0@127.0.0.1:19093",
          TAKHIN_LISTENERS: "EXTERNAL://:9094,PLAINTEXT://:9092,CONTROLLER://:19093",
          TAKHIN_LISTENER_SECURITY_PROTOCOL_MAP: "EXTERNAL:SASL_SSL,PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        },
      }),
    );
    expect(c.kafkaListener?.name).toBe("PLAINTEXT");
    expect(c.clientListeners.map((l) => l.name)).toEqual(["EXTERNAL", "PLAINTEXT"]);
    expect(c.securityProtocols.get("EXTERNAL")).toBe("SASL_SSL");
  });
});

describe("several PLAINTEXT listeners on one broker", () => {
  let tb: TestBroker;
  beforeAll(async () => {
    tb = await startTestBroker({
      listeners: "PLAINTEXT://127.0.0.1:0,EXTERNAL://127.0.0.1:0",
      listenerSecurityProtocolMap: "PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT",
      advertisedListeners: "EXTERNAL://localhost:0",
    });
  });
  afterAll(async () => {
    await tb?.stop();
    if (tb) removeDir(tb.dataDir);
  });

  async function kcatBrokers(port: number): Promise<string[]> {
    const r = await runClient([KCAT, "-L", "-J", "-b", `127.0.0.1:${port}`, "-m", "10"], 30_000);
    if (r.exitCode !== 0) throw new Error(`kcat failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split("\n").pop()!).brokers.map((b: { name: string }) => b.name);
  }

  test("each listener has its own port and Metadata answers that listener's advertised endpoint", async () => {
    const main = tb.broker.context.listeners.find((l) => l.name === "PLAINTEXT")!;
    const external = tb.broker.context.listeners.find((l) => l.name === "EXTERNAL")!;
    expect(main.advertisedPort).not.toBe(external.advertisedPort);
    expect(await kcatBrokers(main.advertisedPort)).toEqual([`127.0.0.1:${main.advertisedPort}`]);
    expect(await kcatBrokers(external.advertisedPort)).toEqual([`localhost:${external.advertisedPort}`]);
    // The broker registered every listener's endpoint with its protocol id.
    const reg = tb.broker.context.metadata.image.brokers.get(tb.broker.context.nodeId)!;
    expect(reg.endPoints.map((e) => `${e.name}:${e.host}:${e.port}:${e.securityProtocol}`)).toEqual([
      `PLAINTEXT:127.0.0.1:${main.advertisedPort}:0`,
      `EXTERNAL:localhost:${external.advertisedPort}:0`,
    ]);
  });
});
