/**
 * Every served API at every served version receives schema-valid requests with random contents
 * (names, ids, counts, offsets, timeouts). The broker must keep serving, and no handler may throw:
 * a thrown exception would surface as UNKNOWN_SERVER_ERROR, which for valid requests means a bug.
 * The broker must not close a connection that sent only schema-valid requests, except where Kafka
 * closes it too: a Produce with acks=0 that fails (Kafka's KafkaApis closes the connection then,
 * since an acks=0 producer reads no response and would never learn of the error). Every other
 * close of a valid request (an error response that does not encode, a request that cannot carry
 * its error) is a failure.
 * Values that would only make the test slow (huge waits, huge partition counts) are clamped.
 * Prints its seed; TAKHIN_FUZZ_SEED replays a run.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { API_BY_KEY } from "../../src/protocol/apis.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { messageArb } from "../protocol/arbitrary.ts";
import { RawClient, removeDir, requestFrame, startTestBroker } from "../helpers/broker.ts";

const REQUESTS_PER_VERSION = Number(process.env.TAKHIN_FUZZ_RUNS ?? 12);

/** Keeps random requests from asking for minutes of waiting or millions of partitions. */
function tame(apiName: string, body: any): any {
  const walk = (v: any): any => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object" && !(v instanceof Uint8Array)) {
      const out: any = {};
      for (const [k, x] of Object.entries(v)) {
        if (/timeout|wait/i.test(k) && typeof x === "number") out[k] = Math.min(Math.abs(x), 20);
        else if (/^(numPartitions|count|replicationFactor)$/.test(k) && typeof x === "number") out[k] = Math.min(x, 4);
        else out[k] = walk(x);
      }
      return out;
    }
    return v;
  };
  const tamed = walk(body);
  // A real topic name sometimes, so requests reach the partition code and not only the name checks.
  if (apiName === "Produce" || apiName === "Fetch" || apiName === "ListOffsets") {
    for (const t of tamed.topicData ?? tamed.topics ?? []) if (Math.abs(JSON.stringify(t).length) % 2 === 0) t.name = t.topic = "fuzz";
  }
  return tamed;
}

test("random valid requests never make a handler throw, and the broker keeps serving", async () => {
  const seed = Number(process.env.TAKHIN_FUZZ_SEED ?? Date.now() % 2 ** 31);
  console.log(`fuzz-handlers seed ${seed} (replay with TAKHIN_FUZZ_SEED=${seed})`);
  const tb = await startTestBroker({ autoCreateTopicsEnable: true });
  try {
    tb.broker.context.topics.create("fuzz", 2);
    let sent = 0;
    let answered = 0;
    const closedBy: string[] = [];
    const closedAsKafka: string[] = [];
    let round = 0;
    for (const { apiKey, minVersion, maxVersion } of tb.broker.context.registry.versions()) {
      const api = API_BY_KEY.get(apiKey)!;
      for (let v = minVersion; v <= maxVersion; v++) {
        const bodies = fc.sample(messageArb(api.request, v), { numRuns: REQUESTS_PER_VERSION, seed: seed + round++ });
        // One connection per API version: a request that legitimately waits (JoinGroup) only
        // holds back the answers behind it on its own connection.
        const c = await RawClient.connect(tb.port);
        let acksZero = false;
        for (let i = 0; i < bodies.length; i++) {
          let frame: Uint8Array;
          let body: any;
          try {
            body = tame(api.name, bodies[i]);
            frame = requestFrame(api, v, i + 1, body);
          } catch {
            continue; // a value the encoder refuses (e.g. an over-long string) is not a request
          }
          if (api.name === "Produce" && body.acks === 0) acksZero = true;
          c.write(frame);
          sent++;
        }
        const got = await c.waitFrames(bodies.length, 300);
        answered += got.length;
        // Let a close that follows the last answer arrive before judging.
        if (!c.closed) await c.waitClosed(20);
        if (c.closed) (acksZero ? closedAsKafka : closedBy).push(`${api.name} v${v} (${got.length} answered)`);
        c.close();
      }
    }
    console.log(
      `fuzz-handlers: ${sent} requests sent, ${answered} answered; connections closed by the broker: ${closedBy.join(", ") || "none"}; ` +
        `closed where Kafka closes too (Produce acks=0): ${closedAsKafka.length}`,
    );
    const failures = tb.logs.filter((l) => l.includes("handler failed"));
    if (failures.length > 0) console.error(failures.slice(0, 10).join("\n"));
    const closes = tb.logs.filter((l) => l.includes("closing connection"));
    if (closedBy.length > 0) console.error(closes.slice(0, 10).join("\n"));
    expect(failures).toEqual([]);
    expect(closedBy).toEqual([]);
    expect(sent).toBeGreaterThan(100);
    const probe = await RawClient.connect(tb.port);
    expect((await probe.call(ApiVersions, 3, { clientSoftwareName: "p", clientSoftwareVersion: "1" })).errorCode).toBe(0);
    probe.close();
  } finally {
    await tb.stop();
    removeDir(tb.dataDir);
  }
}, 120_000);
