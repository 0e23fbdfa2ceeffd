/**
 * Every served API at every served version answers a failure in its error form (Kafka's
 * AbstractRequest.getErrorResponse): a failure is injected into each (a middleware that throws for
 * that API, which the connection treats exactly as a throwing handler), a random schema-valid
 * request is sent, and the answer must arrive on the same connection with UNKNOWN_SERVER_ERROR in
 * every error code it carries. The only request that gets no answer is Produce with acks=0, for
 * which Kafka closes the connection too. Prints its seed; TAKHIN_FUZZ_SEED replays a run.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
import { API_BY_KEY } from "../../src/protocol/apis.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import type { FieldDef } from "../../src/protocol/schema.ts";
import { messageArb } from "../protocol/arbitrary.ts";
import { decodeResponse, RawClient, removeDir, requestFrame, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const REQUESTS_PER_VERSION = 3;
let tb: TestBroker;
let failApiKey = -1;

beforeAll(async () => {
  tb = await startTestBroker();
  tb.broker.context.middleware.use({
    name: "inject-failure",
    handle(ctx, _req, next) {
      if (ctx.apiKey === failApiKey) throw new Error(`injected failure in ${ctx.api.name} v${ctx.apiVersion}`);
      return next();
    },
  });
});
afterAll(async () => {
  await tb.stop();
  removeDir(tb.dataDir);
});

/** Every errorCode field the response has at this version (absent fields decode to 0: skipped). */
function errorCodes(fields: FieldDef[], version: number, body: any, out: number[] = []): number[] {
  for (const f of fields) {
    if (version < f.versions.min || version > f.versions.max || body == null) continue;
    const value = body[f.name];
    if (f.name === "errorCode" || f.name === "partitionErrorCode") out.push(value); // AddPartitionsToTxn names it partitionErrorCode
    else if (typeof f.type === "object" && f.type.kind === "struct") errorCodes(f.type.fields, version, value, out);
    else if (typeof f.type === "object" && f.type.kind === "array" && typeof f.type.of === "object" && f.type.of.kind === "struct") {
      for (const item of value ?? []) errorCodes(f.type.of.fields, version, item, out);
    }
  }
  return out;
}

/** Elements of the innermost arrays of a request (the partitions, groups or keys it names). */
function countLeaves(v: unknown): number {
  const isObject = (x: unknown): x is object => !!x && typeof x === "object" && !(x instanceof Uint8Array) && !Array.isArray(x);
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + (isObject(x) && !Object.values(x).some(Array.isArray) ? 1 : countLeaves(x)), 0) || (v.some(isObject) ? 0 : v.length);
  if (isObject(v)) return Object.values(v).reduce((n: number, x) => n + countLeaves(x), 0);
  return 0;
}

test("a failure in any API at any version is answered in that API's error form", async () => {
  const seed = Number(process.env.TAKHIN_FUZZ_SEED ?? Date.now() % 2 ** 31);
  console.log(`error-responses seed ${seed} (replay with TAKHIN_FUZZ_SEED=${seed})`);
  const problems: string[] = [];
  let answered = 0;
  let round = 0;
  for (const { apiKey, minVersion, maxVersion } of tb.broker.context.registry.versions()) {
    const api = API_BY_KEY.get(apiKey)!;
    for (let v = minVersion; v <= maxVersion; v++) {
      const bodies = fc.sample(messageArb(api.request, v), { numRuns: REQUESTS_PER_VERSION, seed: seed + round++ });
      for (let i = 0; i < bodies.length; i++) {
        const body = bodies[i];
        if (apiKey === Produce.apiKey) (body as any).acks = i === 0 ? 0 : -1;
        let frame: Uint8Array;
        try {
          frame = requestFrame(api, v, 1000 + i, body);
        } catch {
          continue; // a value the encoder refuses is not a request
        }
        const where = `${api.name} v${v} #${i}`;
        const c = await RawClient.connect(tb.port);
        failApiKey = apiKey;
        c.write(frame);
        const frames = await c.waitFrames(1, 5000);
        failApiKey = -1;
        if (apiKey === Produce.apiKey && (body as any).acks === 0) {
          // No response exists to carry the error: Kafka closes the connection, and so do we.
          if (!(await c.waitClosed(5000))) problems.push(`${where}: acks=0 failure did not close the connection`);
          continue;
        }
        if (frames.length === 0) {
          problems.push(`${where}: no answer (closed=${c.closed})`);
          continue;
        }
        const res = decodeResponse(api, v, frames[0]);
        if (res.correlationId !== 1000 + i) problems.push(`${where}: correlation id ${res.correlationId}`);
        const codes = errorCodes(api.response.fields, v, res.body);
        if (codes.some((code) => code !== ErrorCode.UNKNOWN_SERVER_ERROR)) problems.push(`${where}: error codes ${JSON.stringify(codes)}`);
        // Where the version has no top-level error, the entries the request named carry it; a
        // request that named none (Metadata of all topics, an empty list) gets an empty answer, as from Kafka.
        if (codes.length === 0 && countLeaves(body) > 0) problems.push(`${where}: no error code`);
        const top = api.response.fields.find((f) => f.name === "errorCode" && v >= f.versions.min && v <= f.versions.max);
        if (top && res.body.errorCode !== ErrorCode.UNKNOWN_SERVER_ERROR) problems.push(`${where}: top-level errorCode ${res.body.errorCode}`);
        // The connection lives on.
        const again = await c.call(ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" }, 2000 + i);
        if (again.errorCode !== 0) problems.push(`${where}: connection unusable afterwards`);
        c.close();
        answered++;
      }
    }
  }
  expect(problems).toEqual([]);
  expect(answered).toBeGreaterThan(200);
  expect(tb.logs.filter((l) => l.includes("injected failure")).length).toBeGreaterThan(200);
}, 120_000);

test("the APIs that used to close the connection on a failure have an error form at every version", () => {
  const registry = tb.broker.context.registry;
  const names = ["Fetch", "ListOffsets", "Metadata", "OffsetFetch", "FindCoordinator", "DescribeGroups", "DeleteRecords", "OffsetForLeaderEpoch", "DescribeLogDirs", "DeleteGroups"];
  for (const name of names) {
    const h = registry.versions().map((x) => registry.get(x.apiKey)!).find((x) => x.api.name === name)!;
    for (let v = h.minVersion; v <= h.maxVersion; v++) {
      const body = fc.sample(messageArb(h.api.request, v), { numRuns: 1, seed: v })[0];
      expect(registry.errorResponse(h, body, v, ErrorCode.UNKNOWN_SERVER_ERROR)).not.toBeNull();
    }
  }
});
