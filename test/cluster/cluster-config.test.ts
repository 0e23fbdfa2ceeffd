/** The cluster keys: parsed, defaulted and cross-checked at start with messages naming the key. */
import { describe, expect, test } from "bun:test";
import { ConfigError, describeClusterKeys, describeKeys, loadConfig } from "../../src/config/config.ts";
import { clusterConfigOf } from "../../src/cluster/cluster-config.ts";

const VOTERS = "0@127.0.0.1:19093,1@127.0.0.1:19193,2@127.0.0.1:19293";

function cluster(env: Record<string, string>) {
  return clusterConfigOf(loadConfig({ env }));
}

function refusal(env: Record<string, string>): string {
  try {
    cluster(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("cluster configuration", () => {
  test("no cluster key: one node exactly as before", () => {
    const c = cluster({ TAKHIN_KAFKA_PORT: "9100", TAKHIN_HOST: "127.0.0.1" });
    expect(c.standalone).toBe(true);
    expect(c.kafkaListener).toEqual({ name: "PLAINTEXT", host: "127.0.0.1", port: 9100 });
    expect(c.controllerListener).toBeNull();
    expect(c.voters).toEqual([]);
  });

  test("a combined node gets PLAINTEXT on host/kafka_port and CONTROLLER on its voter port by default", () => {
    const c = cluster({ TAKHIN_NODE_ID: "1", TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS, TAKHIN_KAFKA_PORT: "19192", TAKHIN_HOST: "127.0.0.1" });
    expect(c.standalone).toBe(false);
    expect([...c.roles].sort()).toEqual(["broker", "controller"]);
    expect(c.voters.map((v) => v.id)).toEqual([0, 1, 2]);
    expect(c.kafkaListener).toEqual({ name: "PLAINTEXT", host: "127.0.0.1", port: 19192 });
    expect(c.controllerListener).toEqual({ name: "CONTROLLER", host: "127.0.0.1", port: 19193 });
  });

  test("explicit listeners, advertised listeners with the wildcard replaced, names case-insensitive", () => {
    const c = cluster({
      TAKHIN_NODE_ID: "0",
      TAKHIN_PROCESS_ROLES: "controller,broker",
      TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS,
      TAKHIN_LISTENERS: "internal://0.0.0.0:19092,ctl://:19093",
      TAKHIN_CONTROLLER_LISTENER_NAMES: "CTL",
      TAKHIN_INTER_BROKER_LISTENER_NAME: "INTERNAL",
      TAKHIN_ADVERTISED_HOST: "node0.local",
    });
    expect(c.kafkaListener).toEqual({ name: "INTERNAL", host: "0.0.0.0", port: 19092 });
    expect(c.advertisedListeners).toEqual([
      { name: "INTERNAL", host: "node0.local", port: 19092 },
      { name: "CTL", host: "node0.local", port: 19093 },
    ]);
  });

  test("a broker-only node has no controller listener and must not be a voter", () => {
    const c = cluster({ TAKHIN_NODE_ID: "5", TAKHIN_PROCESS_ROLES: "broker", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS });
    expect(c.controllerListener).toBeNull();
    expect(refusal({ TAKHIN_NODE_ID: "1", TAKHIN_PROCESS_ROLES: "broker", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS })).toContain("controller_quorum_voters");
  });

  const cases: [string, Record<string, string>, string][] = [
    ["process_roles missing", { TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS }, "process_roles is required"],
    ["voters missing", { TAKHIN_PROCESS_ROLES: "broker" }, "controller_quorum_voters is required"],
    ["unknown role", { TAKHIN_PROCESS_ROLES: "broker,leader", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS }, "for process_roles: unknown role"],
    ["role twice", { TAKHIN_PROCESS_ROLES: "broker,broker", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS }, "role broker given twice"],
    ["duplicate voter id", { TAKHIN_PROCESS_ROLES: "controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: "0@a:1,0@b:2" }, "duplicate voter id 0"],
    ["two voters at one address", { TAKHIN_PROCESS_ROLES: "controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: "0@a:1,1@a:1" }, "two voters at a:1"],
    ["malformed voter", { TAKHIN_PROCESS_ROLES: "controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: "0-a:1" }, "for controller_quorum_voters: voter \"0-a:1\" is not id@host:port"],
    ["voter without port", { TAKHIN_PROCESS_ROLES: "controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: "0@hostonly" }, "expected host:port"],
    ["voter port out of range", { TAKHIN_PROCESS_ROLES: "controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: "0@h:70000" }, "port 70000 is outside 1-65535"],
    ["voter without host", { TAKHIN_PROCESS_ROLES: "controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: "0@:9093" }, "has no host"],
    ["controller not a voter", { TAKHIN_NODE_ID: "7", TAKHIN_PROCESS_ROLES: "controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS }, "node_id 7 has the controller role but is not in controller_quorum_voters"],
    ["malformed listener", { TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS, TAKHIN_LISTENERS: "PLAINTEXT:9092" }, "for listeners: listener \"PLAINTEXT:9092\" is not NAME://host:port"],
    ["listener name twice", { TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS, TAKHIN_LISTENERS: "A://:1,a://:2" }, "listener name A given twice"],
    ["no controller listener", { TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS, TAKHIN_LISTENERS: "PLAINTEXT://:9092" }, "listeners has no controller listener"],
    ["no client listener", { TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS, TAKHIN_LISTENERS: "CONTROLLER://:19093" }, "a broker needs a client listener"],
    ["inter-broker listener absent", { TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS, TAKHIN_LISTENERS: "OTHER://:9094,CONTROLLER://:19093" }, "inter_broker_listener_name PLAINTEXT is not among listeners"],
    ["inter-broker is a controller listener", { TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS, TAKHIN_INTER_BROKER_LISTENER_NAME: "CONTROLLER" }, "also in controller_listener_names"],
    ["controller port differs from the voter entry", { TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS, TAKHIN_LISTENERS: "PLAINTEXT://:9092,CONTROLLER://:19999" }, "controller_quorum_voters says 0@127.0.0.1:19093"],
    ["advertised name not a listener", { TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS, TAKHIN_ADVERTISED_LISTENERS: "NOPE://h:1" }, "advertised_listeners names NOPE"],
    ["advertised wildcard", { TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS, TAKHIN_ADVERTISED_LISTENERS: "PLAINTEXT://0.0.0.0:9092" }, "wildcard address"],
    ["broker-only with a controller listener", { TAKHIN_NODE_ID: "5", TAKHIN_PROCESS_ROLES: "broker", TAKHIN_CONTROLLER_QUORUM_VOTERS: VOTERS, TAKHIN_LISTENERS: "PLAINTEXT://:9092,CONTROLLER://:1" }, "has no controller role"],
  ];
  for (const [name, env, message] of cases) {
    test(`refused: ${name}`, () => {
      expect(refusal(env)).toContain(message);
    });
  }

  test("the cluster keys are documented apart from the one-node table", () => {
    const cluster = describeClusterKeys().map((k) => k.key);
    expect(cluster).toEqual(["process_roles", "controller_quorum_voters", "listeners", "advertised_listeners", "controller_listener_names", "inter_broker_listener_name"]);
    expect(describeKeys().some((k) => cluster.includes(k.key))).toBe(false);
  });
});
