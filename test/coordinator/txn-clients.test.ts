/**
 * The transaction coordinator served to real clients on one node: a kafkajs transactional
 * producer (Node) commits and aborts transactions over several topics and partitions, and a zombie
 * producer of the same transactional id is fenced by a new one, and sendOffsets' group offset
 * appears only once its transaction commits; then read_committed and
 * read_uncommitted consumers — kafkajs (a consumer group) and confluent-kafka-python (librdkafka,
 * assigned partitions) — must see exactly the committed records, resp. every record that was
 * written, in produce order per partition and never a control record. librdkafka transactional
 * producers (confluent-kafka-python from Debian, 1.7 on librdkafka 2.0.2, and from PyPI, 2.x) do
 * the same from their side. Each consumer stops at a plain "end" record written to
 * every partition after the transactions, so no test waits on a clock. A librdkafka producer
 * SIGKILLed in the middle of a transaction holds the partition's LSO back until the coordinator
 * aborts the transaction at its timeout; a read_committed consumer then reads past it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { lastJson, NODE, PYTHON, recordApiVersions, runProc, versionsUsed } from "../clients/scripts/pc-common.ts";

const SCRIPTS = join(import.meta.dir, "scripts");
const CLIENT_TIMEOUT_MS = 90_000;
const TEST_TIMEOUT_MS = 150_000;

let tb: TestBroker;
let dir: string;
let seen: ReturnType<typeof recordApiVersions>;

beforeAll(async () => {
  tb = await startTestBroker({ transactionStateLogNumPartitions: 5, transactionAbortTimedOutTransactionCleanupIntervalMs: 200 }, tempDir(), { groups: { initialRebalanceDelayMs: 100 } });
  seen = recordApiVersions(tb);
  dir = tempDir("takhin-txn-clients-");
});
afterAll(async () => {
  for (const client of ["txn-kafkajs", "txn-confluent"]) console.log(`${client} API versions: ${JSON.stringify(versionsUsed(seen, client))}`);
  await tb.stop();
  removeDir(tb.dataDir);
  removeDir(dir);
});

async function run(interpreter: string, script: string, spec: Record<string, unknown>): Promise<any> {
  const specPath = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
  await Bun.write(specPath, JSON.stringify({ bootstrap: tb.bootstrap, ...spec }));
  const res = await runProc([interpreter, join(SCRIPTS, script), specPath], { timeoutMs: CLIENT_TIMEOUT_MS });
  const out = lastJson(script, res);
  if (!out.ok) throw new Error(`${script} failed: ${out.error}\nstderr: ${res.stderr.slice(-2000)}`);
  return out;
}

interface Msg {
  p: number;
  k: string;
  v: string;
}
interface Send {
  topic: string;
  messages: Msg[];
}
interface Row {
  t: string;
  p: number;
  o: number;
  k: string | null;
  v: string | null;
}

function msgs(tag: string, partitions: number[], perPartition: number): Msg[] {
  const out: Msg[] = [];
  for (const p of partitions) for (let i = 0; i < perPartition; i++) out.push({ p, k: `${tag}-k${i}`, v: `${tag}-p${p}-${i}` });
  return out;
}

/** The records of `sends` as a consumer should see them: by topic/partition, in send order. */
function expected(sends: Send[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const s of sends) {
    for (const x of s.messages) {
      const key = `${s.topic}/${x.p}`;
      if (!m.has(key)) m.set(key, []);
      m.get(key)!.push(x.v);
    }
  }
  return m;
}

/** What a consumer read, grouped the same way (offsets must increase within a partition). */
function grouped(rows: Row[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const last = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.t}/${r.p}`;
    if ((last.get(key) ?? -1) >= r.o) throw new Error(`offsets not increasing in ${key}: ${r.o} after ${last.get(key)}`);
    last.set(key, r.o);
    if (!m.has(key)) m.set(key, []);
    m.get(key)!.push(r.v ?? "<null>");
  }
  return m;
}

function sorted(m: Map<string, string[]>): [string, string[]][] {
  return [...m].filter(([, v]) => v.length > 0).sort(([a], [b]) => a.localeCompare(b));
}

test(
  "kafkajs transactional producer: commit, abort, zombie fenced, sendOffsets visible after the commit; read_committed and read_uncommitted consumers (kafkajs, librdkafka) see exactly what they should",
  async () => {
    const A = "txn-js-a";
    const B = "txn-js-b";
    tb.broker.context.topics.create(A, 3);
    tb.broker.context.topics.create(B, 1);
    const t1: Send[] = [{ topic: A, messages: msgs("t1", [0, 1, 2], 3) }, { topic: B, messages: msgs("t1", [0], 2) }];
    const t2: Send[] = [{ topic: A, messages: msgs("t2", [0, 1], 2) }, { topic: B, messages: msgs("t2", [0], 2) }];
    const t3: Send[] = [{ topic: A, messages: msgs("t3", [2], 4) }, { topic: B, messages: msgs("t3", [0], 1) }];
    const zombie: Send[] = [{ topic: A, messages: msgs("zombie", [1], 2) }];
    const fencer: Send[] = [{ topic: B, messages: msgs("fencer", [0], 2) }];
    const withOffsets: Send[] = [{ topic: A, messages: msgs("offs", [0], 1) }];
    const endPartitions = [0, 1, 2].map((p) => ({ topic: A, p })).concat([{ topic: B, p: 0 }]);
    const produced = await run(NODE, "txn-kafkajs.mjs", {
      mode: "produce",
      clientId: "txn-kafkajs",
      endPartitions,
      steps: [
        { kind: "txn", id: "js-tx-1", end: "commit", sends: t1 },
        { kind: "txn", id: "js-tx-1", end: "abort", sends: t2 },
        { kind: "txn", id: "js-tx-2", end: "commit", sends: t3 },
        { kind: "zombie", id: "js-tx-zombie", zombie, fencer },
        { kind: "offsets", id: "js-tx-offsets", group: "txn-js-offsets", topic: A, offset: 5, sends: withOffsets },
      ],
    });
    // sendOffsets: the group's offset is pending (not visible) until the transaction commits.
    expect([produced.steps[4].before, produced.steps[4].after]).toEqual(["-1", "5"]);
    const z = produced.steps[3];
    // The zombie's commit is refused (EndTxn v0-1 carries PRODUCER_FENCED as INVALID_PRODUCER_EPOCH), and so is its next transaction.
    expect(z.zombieError).toBe("INVALID_PRODUCER_EPOCH");
    expect(z.zombieSendError).not.toBeNull();

    const committed = sorted(expected([...t1, ...t3, ...fencer, ...withOffsets]));
    // The zombie's first records were written and then aborted when the fencer initialised; its second try never got in.
    const everything = sorted(expected([...t1, ...t2, ...t3, ...zombie, ...fencer, ...withOffsets]));
    const consumers = await Promise.all([
      run(NODE, "txn-kafkajs.mjs", { mode: "consume", clientId: "txn-kafkajs", groupId: "txn-js-rc", topics: [A, B], endPartitions }),
      run(NODE, "txn-kafkajs.mjs", { mode: "consume", clientId: "txn-kafkajs", groupId: "txn-js-ru", readUncommitted: true, topics: [A, B], endPartitions }),
      run(PYTHON, "txn-confluent.py", { mode: "consume", clientId: "txn-confluent", isolation: "read_committed", endPartitions }),
      run(PYTHON, "txn-confluent.py", { mode: "consume", clientId: "txn-confluent", isolation: "read_uncommitted", endPartitions }),
    ]);
    expect(sorted(grouped(consumers[0].records))).toEqual(committed);
    expect(sorted(grouped(consumers[1].records))).toEqual(everything);
    expect(sorted(grouped(consumers[2].records))).toEqual(committed);
    expect(sorted(grouped(consumers[3].records))).toEqual(everything);
    // The coordinator's own state: every id ended its last transaction.
    for (const id of ["js-tx-1", "js-tx-2", "js-tx-zombie", "js-tx-offsets"]) expect(tb.broker.context.txn.describe(id).state).toBe(id === "js-tx-1" ? "CompleteAbort" : "CompleteCommit");
  },
  TEST_TIMEOUT_MS,
);

/** confluent-kafka-python: Debian's 1.7 (librdkafka 2.0.2) and PyPI's 2.x (the pinned venv of the Schema Registry suite). */
function venvPython(): string {
  const venv = Bun.spawnSync(["bash", join(import.meta.dir, "..", "schema-registry", "python", "venv.sh")], { stderr: "pipe" });
  if (venv.exitCode !== 0) throw new Error(`schema-registry/python/venv.sh failed: ${venv.stderr.toString().slice(-2000)}`);
  return venv.stdout.toString().trim();
}

for (const [label, python] of [["Debian", () => PYTHON], ["PyPI 2.x", venvPython]] as const) {
  test(
    `librdkafka transactional producer (confluent-kafka-python, ${label}): committed and aborted transactions over two topics, read back by both isolation levels`,
    async () => {
      const py = python();
      const tag = label === "Debian" ? "py" : "pypi";
      const A = `txn-${tag}-a`;
      const B = `txn-${tag}-b`;
      tb.broker.context.topics.create(A, 2);
      tb.broker.context.topics.create(B, 2);
      const t1: Send[] = [{ topic: A, messages: msgs(`${tag}1`, [0, 1], 3) }, { topic: B, messages: msgs(`${tag}1`, [1], 2) }];
      const t2: Send[] = [{ topic: A, messages: msgs(`${tag}2`, [1], 2) }, { topic: B, messages: msgs(`${tag}2`, [0, 1], 1) }];
      const t3: Send[] = [{ topic: B, messages: msgs(`${tag}3`, [0], 3) }];
      const endPartitions = [0, 1].map((p) => ({ topic: A, p })).concat([0, 1].map((p) => ({ topic: B, p })));
      const produced = await run(py, "txn-confluent.py", {
        mode: "produce",
        clientId: "txn-confluent",
        endPartitions,
        steps: [
          { id: `${tag}-tx-1`, end: "commit", sends: t1 },
          { id: `${tag}-tx-1`, end: "abort", sends: t2 },
          { id: `${tag}-tx-1`, end: "commit", sends: t3 },
        ],
      });
      console.log(`confluent-kafka-python ${produced.version}, librdkafka ${produced.librdkafka}`);
      const [rc, ru] = await Promise.all([
        run(py, "txn-confluent.py", { mode: "consume", clientId: "txn-confluent", isolation: "read_committed", endPartitions }),
        run(py, "txn-confluent.py", { mode: "consume", clientId: "txn-confluent", isolation: "read_uncommitted", endPartitions }),
      ]);
      expect(sorted(grouped(rc.records))).toEqual(sorted(expected([...t1, ...t3])));
      expect(sorted(grouped(ru.records))).toEqual(sorted(expected([...t1, ...t2, ...t3])));
    },
    TEST_TIMEOUT_MS,
  );
}

test(
  "a producer SIGKILLed mid-transaction: the coordinator aborts it after transaction.timeout.ms and a read_committed consumer moves past it",
  async () => {
    const T = "txn-kill";
    tb.broker.context.topics.create(T, 1);
    const specPath = join(dir, "spec-hang.json");
    const hung = msgs("hung", [0], 3);
    await Bun.write(specPath, JSON.stringify({ bootstrap: tb.bootstrap, mode: "hang", clientId: "txn-confluent", id: "py-kill", transactionTimeoutMs: 2000, topic: T, messages: hung }));
    const proc = Bun.spawn([PYTHON, join(SCRIPTS, "txn-confluent.py"), specPath], { stdout: "pipe", stderr: "pipe" });
    const reader = proc.stdout.getReader();
    let text = "";
    const deadline = Date.now() + CLIENT_TIMEOUT_MS;
    while (!text.includes('"sent"') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain('"sent": 3');
    proc.kill("SIGKILL");
    await proc.exited;
    const p = tb.broker.context.partitions.get(T, 0)!;
    // Killed in mid-transaction: its records sit above the LSO.
    expect(p.lastStableOffset).toBe(0);
    const after = msgs("after", [0], 2);
    await run(PYTHON, "txn-confluent.py", { mode: "plain", clientId: "txn-confluent", topic: T, messages: [...after, { p: 0, k: "end", v: "end" }] });
    // Reads until "end": it can only get there once the coordinator has aborted the dead producer's transaction.
    const rc = await run(PYTHON, "txn-confluent.py", { mode: "consume", clientId: "txn-confluent", isolation: "read_committed", endPartitions: [{ topic: T, p: 0 }] });
    expect(rc.records.map((r: Row) => r.v)).toEqual(after.map((m) => m.v));
    expect(tb.broker.context.txn.describe("py-kill").state).toBe("CompleteAbort");
    expect(tb.logs.some((l) => l.includes("aborting a transaction past its timeout") && l.includes("py-kill"))).toBe(true);
    const ru = await run(PYTHON, "txn-confluent.py", { mode: "consume", clientId: "txn-confluent", isolation: "read_uncommitted", endPartitions: [{ topic: T, p: 0 }] });
    expect(ru.records.map((r: Row) => r.v)).toEqual([...hung, ...after].map((m) => m.v));
  },
  TEST_TIMEOUT_MS,
);
