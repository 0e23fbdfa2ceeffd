/**
 * Runs the corpus against two brokers and returns every difference, per scenario. Shared by the
 * suite (differential.test.ts) and by the command-line report (report.ts).
 */
import { ALLOWED, ANY, type Allowed } from "./allow-list.ts";
import { diff, type Difference } from "./diff.ts";
import { runScenario, type Target } from "./driver.ts";
import type { Scenario } from "./scenario.ts";

export interface ScenarioResult {
  scenario: string;
  differences: Difference[];
  error?: string;
}

/** Runs scenarios `concurrency` at a time; each scenario runs on both brokers at once. */
export async function runCorpus(kafka: Target, takhin: Target, corpus: Scenario[], opts: { concurrency?: number; runId?: string } = {}): Promise<ScenarioResult[]> {
  const runId = opts.runId ?? Date.now().toString(36);
  const nowMs = BigInt(Date.now());
  const results: ScenarioResult[] = new Array(corpus.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= corpus.length) return;
      const sc = corpus[i]!;
      const prefix = `d${runId}-${i}-`;
      try {
        const [k, t] = await Promise.all([runScenario(kafka, sc, { prefix, nowMs }), runScenario(takhin, sc, { prefix, nowMs })]);
        results[i] = { scenario: sc.name, differences: diff(k, t) };
      } catch (e) {
        results[i] = { scenario: sc.name, differences: [], error: String((e as Error).stack ?? e) };
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  return results;
}

const WARM_UP_TRIES = 300;

/**
 * Waits until the broker's group coordinator and producer-id allocation answer without error:
 * Kafka creates __consumer_offsets on the first FindCoordinator and answers
 * COORDINATOR_NOT_AVAILABLE (and InitProducerId COORDINATOR_LOAD_IN_PROGRESS) until it is loaded.
 * Not compared: this is the brokers' start-up, not their behaviour.
 */
export async function warmUp(target: Target): Promise<void> {
  const sc: Scenario = {
    name: "warm-up",
    steps: [
      // Kafka only: its transaction coordinator (__transaction_state, created on first use). Takhin has none.
      ...(target.name === "kafka"
        ? [{ api: "FindCoordinator", version: 4, body: { keyType: 1, coordinatorKeys: ["takhin-differential-warm-up"] }, until: { path: "coordinators[0].errorCode", equals: 0, tries: WARM_UP_TRIES } }]
        : []),
      { api: "FindCoordinator", version: 4, body: { keyType: 0, coordinatorKeys: ["takhin-differential-warm-up"] }, until: { path: "coordinators[0].errorCode", equals: 0, tries: WARM_UP_TRIES } },
      { api: "InitProducerId", version: 4, body: { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }, until: { path: "errorCode", equals: 0, tries: WARM_UP_TRIES } },
    ],
  };
  await runScenario(target, sc, { prefix: "warm-up-", nowMs: 0n });
}

export interface Unexpected extends Difference {
  scenario: string;
}

function whole(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

function sameValue(want: unknown, got: unknown): boolean {
  return want === ANY || JSON.stringify(want) === JSON.stringify(got);
}

/** Splits the differences into those the allow-list names and those it does not; lists unused entries. */
export function classify(results: ScenarioResult[], allowed: Allowed[] = ALLOWED): { unexpected: Unexpected[]; unused: Allowed[]; matched: Map<string, number> } {
  const compiled = allowed.map((a) => ({ a, scenario: whole(a.scenario), path: whole(a.path) }));
  const matched = new Map<string, number>();
  const unexpected: Unexpected[] = [];
  for (const r of results) {
    for (const d of r.differences) {
      const hit = compiled.find((c) => c.scenario.test(r.scenario) && c.path.test(d.path) && sameValue(c.a.kafka, d.kafka) && sameValue(c.a.takhin, d.takhin));
      if (hit) matched.set(hit.a.id, (matched.get(hit.a.id) ?? 0) + 1);
      else unexpected.push({ scenario: r.scenario, ...d });
    }
  }
  return { unexpected, unused: allowed.filter((a) => !matched.has(a.id)), matched };
}
