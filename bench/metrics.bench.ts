/**
 * The cost of /metrics' request counting: produce and fetch throughput against one in-process
 * broker with the counters on and off, interleaved (on, off, on, off, ...) in one run so that
 * machine noise falls on both alike. "Off" flips RequestCounters.enabled, which leaves the
 * middleware in the chain answering next() at once: what is measured is the counting itself.
 *
 *   bun bench/metrics.bench.ts [rounds=6] [secondsPerPhase=1.5]
 *
 * Prints each phase's figures and the median on/off ratio (1.00 = no cost). A figure, not a test.
 */
import { KafkaClient } from "../src/client/index.ts";
import { buildRecordBatch } from "../src/protocol/record-batch.ts";
import type { AdminApiService } from "../src/admin/admin-api.ts";
import { startTestBroker } from "../test/helpers/broker.ts";

const rounds = Number(process.argv[2] ?? 6);
const phaseMs = Number(process.argv[3] ?? 1.5) * 1000;
const b = await startTestBroker();
const counters = b.broker.services.get<AdminApiService>("admin-api")!.counters!;
const client = await KafkaClient.connect({ bootstrap: b.bootstrap });
await client.createTopics([{ name: "bench", numPartitions: 1, replicationFactor: 1 }]);
const batch = buildRecordBatch({ records: Array.from({ length: 16 }, (_, i) => ({ value: new Uint8Array(1024).fill(i) })) });
const IN_FLIGHT = 8;

async function producePhase(): Promise<number> {
  const end = performance.now() + phaseMs;
  let n = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < end) {
        await client.produce("bench", 0, batch, { acks: 1 });
        n++;
      }
    }),
  );
  return (n * batch.length) / (phaseMs / 1000);
}

async function fetchPhase(): Promise<number> {
  // Reads the first MiB of the partition again and again: the same work each time, so on and off compare.
  const end = performance.now() + phaseMs;
  let bytes = 0;
  while (performance.now() < end) {
    const p = await client.fetch("bench", 0, 0n, { maxBytes: 1 << 20, partitionMaxBytes: 1 << 20, maxWaitMs: 0 });
    bytes += (p.records as Uint8Array | null)?.length ?? 0;
  }
  return bytes / (phaseMs / 1000);
}

const ratios = { produce: [] as number[], fetch: [] as number[] };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (let r = 0; r < rounds; r++) {
  const figures: Record<string, number> = {};
  // Alternate which goes first each round.
  for (const on of r % 2 === 0 ? [true, false] : [false, true]) {
    counters.enabled = on;
    figures[`produce_${on ? "on" : "off"}`] = await producePhase();
    figures[`fetch_${on ? "on" : "off"}`] = await fetchPhase();
  }
  ratios.produce.push(figures.produce_on / figures.produce_off);
  ratios.fetch.push(figures.fetch_on / figures.fetch_off);
  console.log(`round ${r}: produce on ${(figures.produce_on / 1e6).toFixed(1)} MB/s off ${(figures.produce_off / 1e6).toFixed(1)} MB/s; fetch on ${(figures.fetch_on / 1e6).toFixed(1)} MB/s off ${(figures.fetch_off / 1e6).toFixed(1)} MB/s`);
}
console.log(`median throughput ratio metrics on/off: produce ${median(ratios.produce).toFixed(3)}, fetch ${median(ratios.fetch).toFixed(3)} (${rounds} interleaved rounds of ${phaseMs / 1000} s phases)`);
client.close();
await b.stop();
