/**
 * `takhin acl` and `takhin user` against Apache Kafka 4.4 (peer/kafka, StandardAuthorizer with
 * allow.everyone.if.no.acl.found, so the CLI's ANONYMOUS principal may manage ACLs) and against an
 * in-process Takhin configured the same way: one script of commands — SCRAM users created, listed,
 * deleted by mechanism and whole; ACLs created (literal and prefixed, allow and deny, hosts),
 * listed with filters, deleted — gives the same exit codes and the same JSON on both, and error
 * names on stderr (RESOURCE_NOT_FOUND) are the same. Skipped, with the reason printed, only when
 * Java is absent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startKafkaPeer, type KafkaPeer } from "../../peer/kafka/launcher.ts";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { takhin } from "./run-cli.ts";

const javaHome = process.env.KAFKA_PEER_JAVA_HOME ?? process.env.JAVA_HOME;
const hasJava = javaHome ? Bun.which("java", { PATH: join(javaHome, "bin") }) !== null : Bun.which("java") !== null;
if (!hasJava) console.warn("test/cli/cli-security-kafka.test.ts skipped: no java on PATH (nor JAVA_HOME / KAFKA_PEER_JAVA_HOME)");

const SCRIPT: string[][] = [
  ["user", "create", "u1", "--password", "pw-512", "--mechanism", "SCRAM-SHA-512", "--iterations", "8192"],
  ["user", "create", "u1", "--password", "pw-256"],
  ["user", "create", "u2", "--password", "pw-2"],
  ["user", "list"],
  ["user", "list", "u2"],
  ["user", "list", "nobody"],
  ["user", "delete", "u1", "--mechanism", "SCRAM-SHA-256"],
  ["user", "list", "u1"],
  ["user", "delete", "u1"],
  ["user", "delete", "u1"],
  ["user", "delete", "u2"],
  ["user", "list"],
  ["acl", "create", "--topic", "t1", "--allow-principal", "User:alice", "--operation", "Read", "--operation", "Write"],
  ["acl", "create", "--group", "g-", "--resource-pattern-type", "prefixed", "--deny-principal", "User:bob", "--deny-host", "10.0.0.1", "--operation", "Read"],
  ["acl", "create", "--topic", "*", "--allow-principal", "User:*", "--operation", "Describe"],
  ["acl", "list"],
  ["acl", "list", "--topic", "t1"],
  ["acl", "list", "--topic", "t1", "--resource-pattern-type", "match"],
  ["acl", "list", "--group", "g-1", "--resource-pattern-type", "match"],
  ["acl", "list", "--operation", "read", "--permission", "deny"],
  ["acl", "list", "--principal", "User:alice"],
  ["acl", "delete", "--topic", "t1", "--principal", "User:alice", "--operation", "Write"],
  ["acl", "delete", "--principal", "User:bob"],
  ["acl", "list"],
  ["acl", "delete", "--topic", "*", "--resource-pattern-type", "any"],
  ["acl", "list"],
];

/** What a step shows: exit code and JSON (stdout) or the error names on stderr. */
async function run(bootstrap: string, args: string[]): Promise<unknown> {
  const r = await takhin([...args, "--json", "--bootstrap", bootstrap]);
  return { args, code: r.code, out: r.code === 0 ? JSON.parse(r.stdout) : null, errors: r.stderr.match(/\b[A-Z][A-Z_]{3,}\b/g) ?? [] };
}

describe.skipIf(!hasJava)("takhin acl and user against Apache Kafka", () => {
  let peer: KafkaPeer | undefined;
  let tb: TestBroker | undefined;
  const dir = tempDir("takhin-cli-security-kafka-");
  beforeAll(async () => {
    [peer, tb] = await Promise.all([
      startKafkaPeer({ dataDir: dir, overrides: { "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer", "allow.everyone.if.no.acl.found": "true" } }),
      startTestBroker({ authorizerEnabled: true, allowEveryoneIfNoAclFound: true }),
    ]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([peer?.stop(), tb?.stop()]);
    removeDir(dir);
    if (tb) removeDir(tb.dataDir);
  }, 60_000);

  test("the same script gives the same exit codes, JSON and error names on Kafka and Takhin", async () => {
    const kafka: unknown[] = [];
    const ours: unknown[] = [];
    for (const step of SCRIPT) {
      kafka.push(await run(peer!.bootstrap, step));
      ours.push(await run(tb!.bootstrap, step));
    }
    expect(ours).toEqual(kafka);
    // The script itself means something: users were created and listed, ACLs matched and deleted.
    expect((kafka[3] as any).out).toEqual([
      { user: "u1", mechanisms: [{ mechanism: "SCRAM-SHA-256", iterations: 4096 }, { mechanism: "SCRAM-SHA-512", iterations: 8192 }] },
      { user: "u2", mechanisms: [{ mechanism: "SCRAM-SHA-256", iterations: 4096 }] },
    ]);
    expect((kafka[5] as any).code).toBe(1);
    expect((kafka[5] as any).errors).toContain("RESOURCE_NOT_FOUND");
    expect((kafka[15] as any).out).toHaveLength(4);
    expect((kafka[17] as any).out.map((r: any) => r.resource_name).sort()).toEqual(["*", "t1", "t1"]);
    expect((kafka[18] as any).out.map((r: any) => r.resource_name)).toEqual(["g-"]);
    // --topic '*' matches the wildcard binding only: alice's Read on t1 remains.
    expect((kafka[25] as any).out.map((r: any) => `${r.resource_name} ${r.principal} ${r.operation}`)).toEqual(["t1 User:alice READ"]);
  }, 120_000);
});
