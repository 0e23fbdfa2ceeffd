/**
 * The request middleware chain of the Kafka listener over real sockets: order, short-circuit,
 * failures answered as a handler's, the chain's limits, the request-log middleware (debug level)
 * and the in-memory request metrics (off by default).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAX_REQUEST_MIDDLEWARES } from "../../src/limits.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { LATENCY_BUCKETS_MS, MiddlewareChain } from "../../src/server/middleware.ts";
import { RawClient, removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const probe = { clientSoftwareName: "mw", clientSoftwareVersion: "1" };
const allTopics = { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };

let tb: TestBroker;
beforeAll(async () => {
  // Without the Admin API's request counters (metrics_enabled), which sit first in the chain.
  tb = await startTestBroker({ metricsEnabled: false });
});
afterAll(async () => {
  await tb.stop();
  removeDir(tb.dataDir);
});

describe("chain", () => {
  test("holds only the client-quota check with metrics_enabled off: no metrics, no request log", () => {
    // Client quotas can be set at any time (AlterClientQuotas), so their check is always there.
    expect(tb.broker.context.middleware.names()).toEqual(["quotas"]);
    expect(tb.broker.context.metrics).toBeNull();
  });

  test("middlewares run outermost first, see the request and its result, and can be removed", async () => {
    const seen: string[] = [];
    const chain = tb.broker.context.middleware;
    const removeA = chain.use({
      name: "a",
      handle(ctx, _req, next) {
        seen.push(`a>${ctx.api.name} v${ctx.apiVersion} #${ctx.correlationId} ${ctx.clientId}`);
        const r = next() as any;
        seen.push(`a<${r.errorCode}`);
        return r;
      },
    });
    const removeB = chain.use(
      {
        name: "b",
        handle(_ctx, _req, next) {
          seen.push("b>");
          return next();
        },
      },
      { position: "first" },
    );
    try {
      expect(chain.names()).toEqual(["b", "quotas", "a"]);
      const c = await RawClient.connect(tb.port);
      expect((await c.call(ApiVersions, 3, probe, 41)).errorCode).toBe(0);
      c.close();
      expect(seen).toEqual(["b>", "a>ApiVersions v3 #41 takhin-test", "a<0"]);
    } finally {
      removeA();
      removeB();
    }
    expect(chain.names()).toEqual(["quotas"]);
  });

  test("a middleware may answer for the handler (an authoriser refusing a request)", async () => {
    const registry = tb.broker.context.registry;
    const remove = tb.broker.context.middleware.use({
      name: "deny-metadata",
      handle(ctx, req, next) {
        if (ctx.api.name !== "Metadata") return next();
        return registry.errorResponse(registry.get(ctx.apiKey)!, req, ctx.apiVersion, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      },
    });
    try {
      const c = await RawClient.connect(tb.port);
      const res = await c.call(Metadata, 12, { ...allTopics, topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "secret" }] });
      expect(res.topics).toHaveLength(1);
      expect(res.topics[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      expect(res.brokers).toEqual([]);
      c.close();
    } finally {
      remove();
    }
  });

  test("a throwing middleware, or one that calls next() twice, is answered UNKNOWN_SERVER_ERROR and the connection lives", async () => {
    const chain = tb.broker.context.middleware;
    const remove = chain.use({
      name: "faulty",
      handle(ctx, _req, next) {
        if (ctx.correlationId === 1) throw new Error("middleware fault");
        if (ctx.correlationId === 2) next();
        return next();
      },
    });
    try {
      const c = await RawClient.connect(tb.port);
      expect((await c.call(ApiVersions, 3, probe, 1)).errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
      expect((await c.call(ApiVersions, 3, probe, 2)).errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
      expect((await c.call(ApiVersions, 3, probe, 3)).errorCode).toBe(0);
      c.close();
      expect(tb.logs.some((l) => l.includes("middleware fault"))).toBe(true);
      expect(tb.logs.some((l) => l.includes("middleware faulty called next() twice"))).toBe(true);
    } finally {
      remove();
    }
  });

  test("limits: unique names and at most MAX_REQUEST_MIDDLEWARES", () => {
    const chain = new MiddlewareChain();
    const pass = (name: string) => ({ name, handle: (_c: any, _r: any, next: () => unknown) => next() });
    chain.use(pass("x"));
    expect(() => chain.use(pass("x"))).toThrow("already in the chain");
    for (let i = 1; i < MAX_REQUEST_MIDDLEWARES; i++) chain.use(pass(`m${i}`));
    expect(() => chain.use(pass("one-too-many"))).toThrow(`at most ${MAX_REQUEST_MIDDLEWARES}`);
    expect(chain.names()).toHaveLength(MAX_REQUEST_MIDDLEWARES);
  });
});

describe("request log and metrics", () => {
  test("log_level debug logs one line per request with api, version, correlation id and latency", async () => {
    const dbg = await startTestBroker({ logLevel: "debug", metricsEnabled: false });
    try {
      expect(dbg.broker.context.middleware.names()).toEqual(["request-log", "quotas"]);
      const c = await RawClient.connect(dbg.port);
      await c.call(Metadata, 9, { topics: [], allowAutoTopicCreation: false }, 77);
      c.close();
      const line = dbg.logs.find((l) => l.includes("DEBUG request ") && l.includes("correlationId=77"));
      expect(line).toBeDefined();
      expect(line).toContain("api=Metadata apiVersion=9 correlationId=77 clientId=takhin-test");
      expect(line).toMatch(/latencyMs=\d+(\.\d+)?/);
    } finally {
      await dbg.stop();
      removeDir(dbg.dataDir);
    }
  });

  test("requestMetrics counts requests, failures and latency by api, including requests that wait", async () => {
    const m = await startTestBroker({ metricsEnabled: false }, undefined, { requestMetrics: true });
    try {
      const metrics = m.broker.context.metrics!;
      expect(m.broker.context.middleware.names()).toEqual(["metrics", "quotas"]);
      m.broker.context.topics.create("waits", 1);
      const c = await RawClient.connect(m.port);
      for (let i = 0; i < 3; i++) await c.call(ApiVersions, 3, probe, 10 + i);
      await c.call(ApiVersions, 0, {}, 13);
      // A fetch of an empty partition waits its max_wait_ms; its latency is counted when it answers.
      const t0 = performance.now();
      const topicId = m.broker.context.topics.get("waits")!.id;
      await c.call(Fetch, 13, { replicaId: -1, maxWaitMs: 200, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: "" }, 20);
      const waited = performance.now() - t0;
      const remove = m.broker.context.middleware.use({ name: "fail", handle: () => { throw new Error("x"); } });
      await c.call(ApiVersions, 3, probe, 30);
      remove();
      c.close();
      const snap = metrics.snapshot();
      const av = snap.find((s) => s.api === "ApiVersions")!;
      expect(av.requests).toBe(5);
      expect(av.failures).toBe(1);
      expect(av.byVersion).toEqual({ 0: 1, 3: 4 });
      expect(av.latencyBuckets).toHaveLength(LATENCY_BUCKETS_MS.length + 1);
      expect(av.latencyBuckets.reduce((a, b) => a + b, 0)).toBe(5);
      const fetch = snap.find((s) => s.api === "Fetch")!;
      expect(fetch.requests).toBe(1);
      expect(fetch.maxLatencyMs).toBeGreaterThanOrEqual(150);
      expect(fetch.maxLatencyMs).toBeLessThanOrEqual(waited + 1);
      expect(fetch.totalLatencyMs).toBe(fetch.maxLatencyMs);
    } finally {
      await m.stop();
      removeDir(m.dataDir);
    }
  });
});
