/**
 * Apache Kafka 4.4's kafka-acls (org.apache.kafka.tools.AclCommand, run as bin/kafka-acls.sh does)
 * against an in-process Takhin with authorizer_enabled: it adds literal and prefixed, allow and
 * deny ACLs on topics, groups and the cluster, lists them (all, and per resource), and removes
 * them; its printed output is parsed and asserted. The broker runs with
 * allow_everyone_if_no_acl_found so the tool (User:ANONYMOUS over PLAINTEXT) may administer ACLs
 * while the cluster resource has none.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { explain, requireJava, runJava } from "../java/java.ts";

const ACLS = "org.apache.kafka.tools.AclCommand";
const T = 240_000;

let tb: TestBroker;
beforeAll(async () => {
  requireJava();
  tb = await startTestBroker({ authorizerEnabled: true, allowEveryoneIfNoAclFound: true });
}, 60_000);
afterAll(async () => {
  await tb?.stop();
});

async function acls(args: string[]): Promise<string> {
  const r = await runJava(ACLS, ["--bootstrap-server", tb.bootstrap, ...args], { timeoutMs: 90_000 });
  if (r.exitCode !== 0) throw new Error(`kafka-acls ${args.join(" ")} failed\n${explain(r)}`);
  return r.stdout;
}

/** "TOPIC:LITERAL:orders User:alice * READ ALLOW" for each ACL the tool printed under "Current ACLs". */
function listed(out: string): string[] {
  const lines: string[] = [];
  let resource = "";
  for (const line of out.split("\n")) {
    const r = /ResourcePattern\(resourceType=(\w+), name=([^,]+), patternType=(\w+)\)/.exec(line);
    if (r) resource = `${r[1]}:${r[3]}:${r[2]}`;
    const a = /\(principal=([^,]+), host=([^,]+), operation=(\w+), permissionType=(\w+)\)/.exec(line);
    if (a && resource) lines.push(`${resource} ${a[1]} ${a[2]} ${a[3]} ${a[4]}`);
  }
  return [...new Set(lines)].sort();
}

describe("kafka-acls against Takhin", () => {
  test(
    "adds, lists and removes ACLs",
    async () => {
      await acls(["--add", "--allow-principal", "User:alice", "--operation", "Read", "--operation", "Write", "--topic", "orders"]);
      await acls(["--add", "--deny-principal", "User:bob", "--deny-host", "10.0.0.9", "--operation", "All", "--group", "app-", "--resource-pattern-type", "prefixed"]);
      // Once the cluster has an ACL, ANONYMOUS needs its own to go on administering.
      await acls(["--add", "--allow-principal", "User:ANONYMOUS", "--operation", "All", "--cluster"]);
      await acls(["--add", "--allow-principal", "User:ops", "--operation", "Alter", "--cluster"]);

      expect(listed(await acls(["--list"]))).toEqual([
        "CLUSTER:LITERAL:kafka-cluster User:ANONYMOUS * ALL ALLOW",
        "CLUSTER:LITERAL:kafka-cluster User:ops * ALTER ALLOW",
        "GROUP:PREFIXED:app- User:bob 10.0.0.9 ALL DENY",
        "TOPIC:LITERAL:orders User:alice * READ ALLOW",
        "TOPIC:LITERAL:orders User:alice * WRITE ALLOW",
      ]);
      expect(listed(await acls(["--list", "--topic", "orders"]))).toEqual(["TOPIC:LITERAL:orders User:alice * READ ALLOW", "TOPIC:LITERAL:orders User:alice * WRITE ALLOW"]);
      // The ACLs that apply to group app-web: the prefixed one.
      expect(listed(await acls(["--list", "--group", "app-web", "--resource-pattern-type", "match"]))).toEqual(["GROUP:PREFIXED:app- User:bob 10.0.0.9 ALL DENY"]);

      await acls(["--remove", "--force", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "orders"]);
      await acls(["--remove", "--force", "--group", "app-", "--resource-pattern-type", "prefixed"]);
      expect(listed(await acls(["--list"]))).toEqual(["CLUSTER:LITERAL:kafka-cluster User:ANONYMOUS * ALL ALLOW", "CLUSTER:LITERAL:kafka-cluster User:ops * ALTER ALLOW", "TOPIC:LITERAL:orders User:alice * WRITE ALLOW"]);
    },
    T,
  );
});
