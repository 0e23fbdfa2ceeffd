/**
 * Apache Kafka 4.4's kafka-configs (org.apache.kafka.tools.ConfigCommand, as bin/kafka-configs.sh
 * runs it) against an in-process Takhin: `--alter --add-config` on a client id, a user, a user's
 * client id and the default user (AlterClientQuotas), `--describe` of each (DescribeClientQuotas),
 * and `--delete-config`; the tool's printed output is parsed and asserted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { explain, requireJava, runJava } from "../java/java.ts";

const CONFIGS = "org.apache.kafka.tools.ConfigCommand";
const T = 240_000;

let tb: TestBroker;
beforeAll(async () => {
  requireJava();
  tb = await startTestBroker({});
}, 60_000);
afterAll(async () => {
  await tb?.stop();
});

async function configs(args: string[]): Promise<string> {
  const r = await runJava(CONFIGS, ["--bootstrap-server", tb.bootstrap, ...args], { timeoutMs: 90_000 });
  if (r.exitCode !== 0) throw new Error(`kafka-configs ${args.join(" ")} failed\n${explain(r)}`);
  return r.stdout;
}

describe("kafka-configs quotas against Takhin", () => {
  test(
    "alters, describes and deletes client quotas",
    async () => {
      await configs(["--alter", "--add-config", "producer_byte_rate=204800", "--entity-type", "clients", "--entity-name", "app"]);
      await configs(["--alter", "--add-config", "producer_byte_rate=1024,consumer_byte_rate=2048", "--entity-type", "users", "--entity-name", "alice"]);
      await configs(["--alter", "--add-config", "request_percentage=50", "--entity-type", "users", "--entity-name", "alice", "--entity-type", "clients", "--entity-name", "app"]);
      await configs(["--alter", "--add-config", "consumer_byte_rate=4096", "--entity-type", "users", "--entity-default"]);

      const client = await configs(["--describe", "--entity-type", "clients", "--entity-name", "app"]);
      expect(client).toContain("Quota configs for client-id 'app' are producer_byte_rate=204800.0");
      const users = await configs(["--describe", "--entity-type", "users"]);
      expect(users).toContain("Quota configs for user-principal 'alice' are");
      expect(users).toMatch(/consumer_byte_rate=2048\.0/);
      expect(users).toMatch(/producer_byte_rate=1024\.0/);
      // Without a name the tool asks for every specified name, strictly: the default and the
      // (user, client) pair are not in it, as against Kafka.
      expect(users).not.toContain("default");
      expect(users).not.toContain("client-id");
      const defaults = await configs(["--describe", "--entity-type", "users", "--entity-default"]);
      expect(defaults).toContain("Quota configs for the default user-principal are consumer_byte_rate=4096.0");
      const pair = await configs(["--describe", "--entity-type", "users", "--entity-name", "alice", "--entity-type", "clients", "--entity-name", "app"]);
      expect(pair).toContain("Quota configs for user-principal 'alice', client-id 'app' are request_percentage=50.0");

      await configs(["--alter", "--delete-config", "producer_byte_rate", "--entity-type", "clients", "--entity-name", "app"]);
      const gone = await configs(["--describe", "--entity-type", "clients", "--entity-name", "app"]);
      expect(gone).not.toContain("producer_byte_rate");
    },
    T,
  );
});
