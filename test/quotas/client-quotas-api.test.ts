/**
 * DescribeClientQuotas (48) and AlterClientQuotas (49) over a real socket (raw client): user,
 * client-id and ip entities with default entities (null names), the four client keys and
 * connection_creation_rate, validateOnly, Kafka's errors for unknown keys / types and bad entity
 * combinations, removal, describe filters (exact, default, any; strict), and the quotas coming
 * back after a restart on the same data directory (ClientQuota records in the metadata log).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { AlterClientQuotas } from "../../src/protocol/messages/alter-client-quotas.ts";
import { DescribeClientQuotas } from "../../src/protocol/messages/describe-client-quotas.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { RawClient, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";

const brokers: TestBroker[] = [];
const clients: RawClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  for (const b of brokers) await b.stop().catch(() => {});
});

async function start(dir: string): Promise<{ tb: TestBroker; c: RawClient }> {
  const tb = await startTestBroker({}, dir);
  brokers.push(tb);
  const c = await RawClient.connect(tb.port);
  clients.push(c);
  return { tb, c };
}

type Part = { entityType: string; entityName: string | null };
const op = (key: string, value: number, remove = false) => ({ key, value, remove });

async function alter(c: RawClient, entries: { entity: Part[]; ops: ReturnType<typeof op>[] }[], validateOnly = false, version = 1) {
  const r = await c.call(AlterClientQuotas, version, { entries, validateOnly });
  return r.entries.map((e: any) => e.errorCode);
}

async function describeAll(c: RawClient, components: { entityType: string; matchType: number; match: string | null }[] = [], strict = false, version = 1) {
  const r = await c.call(DescribeClientQuotas, version, { components, strict });
  expect(r.errorCode).toBe(ErrorCode.NONE);
  return (r.entries ?? []).map((e: any) => ({ entity: Object.fromEntries(e.entity.map((p: Part) => [p.entityType, p.entityName])), values: Object.fromEntries(e.values.map((v: any) => [v.key, v.value])) }));
}

describe("client quota administration", () => {
  test("set, describe, validate, refuse, remove, and survive a restart", async () => {
    const dir = tempDir();
    let { tb, c } = await start(dir);
    const alice = { entityType: "user", entityName: "alice" };
    const defaultUser = { entityType: "user", entityName: null };
    const app = { entityType: "client-id", entityName: "app" };
    const defaultClient = { entityType: "client-id", entityName: null };

    // validateOnly: accepted, nothing stored.
    expect(await alter(c, [{ entity: [alice], ops: [op("producer_byte_rate", 1024)] }], true)).toEqual([ErrorCode.NONE]);
    expect(await describeAll(c)).toEqual([]);

    expect(
      await alter(c, [
        { entity: [alice], ops: [op("producer_byte_rate", 204800), op("consumer_byte_rate", 409600)] },
        { entity: [alice, app], ops: [op("request_percentage", 12.5)] },
        { entity: [defaultUser], ops: [op("producer_byte_rate", 1000)] },
        { entity: [defaultUser, defaultClient], ops: [op("consumer_byte_rate", 2000)] },
        { entity: [app], ops: [op("controller_mutation_rate", 3.5)] },
        { entity: [{ entityType: "ip", entityName: "10.1.2.3" }], ops: [op("connection_creation_rate", 5)] },
        { entity: [{ entityType: "ip", entityName: null }], ops: [op("connection_creation_rate", 50)] },
      ], false, 0),
    ).toEqual(Array(7).fill(ErrorCode.NONE));

    // Kafka's refusals (codes and messages as Kafka 4.4 answers them), each in its own request.
    const refusals: [Part[], ReturnType<typeof op>[], string][] = [
      [[alice], [op("no_such_quota", 1)], "Invalid configuration key no_such_quota"],
      [[alice], [op("connection_creation_rate", 1)], "Invalid configuration key connection_creation_rate"],
      [[{ entityType: "ip", entityName: "10.0.0.1" }], [op("producer_byte_rate", 1)], "Invalid configuration key producer_byte_rate"],
      [[alice, { entityType: "ip", entityName: "10.0.0.1" }], [op("connection_creation_rate", 1)], "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId"],
      [[], [op("producer_byte_rate", 1)], "Invalid empty client quota entity"],
      [[alice], [op("producer_byte_rate", 1.5)], "producer_byte_rate cannot be a fractional value."],
      [[alice], [op("producer_byte_rate", -5)], "Quota producer_byte_rate must be greater than 0"],
      [[{ entityType: "ip", entityName: "not-an-ip" }], [op("connection_creation_rate", 1)], "not-an-ip is not a valid IP or resolvable host."],
      [[{ entityType: "group", entityName: "g" }], [op("producer_byte_rate", 1)], "Unhandled client quota entity type: group"],
      [[{ entityType: "user", entityName: "" }], [op("producer_byte_rate", 1)], "Empty user not supported"],
      [[app], [op("request_percentage", 1), op("request_percentage", 2)], "Ignoring duplicate entity ClientQuotaEntity(entries={client-id=app})"],
    ];
    for (const [entity, ops, message] of refusals) {
      const r = await c.call(AlterClientQuotas, 1, { entries: [{ entity, ops }], validateOnly: false });
      expect(r.entries.map((e: any) => [e.errorCode, e.errorMessage])).toEqual([[ErrorCode.INVALID_REQUEST, message]]);
    }
    // The same entity twice in one request: one answer saying so; its first entry is applied.
    const dup = { entityType: "user", entityName: "carol" };
    const twice = await c.call(AlterClientQuotas, 1, { entries: [{ entity: [dup], ops: [op("producer_byte_rate", 777)] }, { entity: [dup], ops: [op("consumer_byte_rate", 1)] }], validateOnly: false });
    expect(twice.entries).toEqual([{ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Ignoring duplicate entity ClientQuotaEntity(entries={user=carol})", entity: [dup] }]);

    const expected = [
      { entity: { "client-id": "app" }, values: { controller_mutation_rate: 3.5 } },
      { entity: { "client-id": "app", user: "alice" }, values: { request_percentage: 12.5 } },
      { entity: { "client-id": null, user: null }, values: { consumer_byte_rate: 2000 } },
      { entity: { ip: "10.1.2.3" }, values: { connection_creation_rate: 5 } },
      { entity: { ip: null }, values: { connection_creation_rate: 50 } },
      { entity: { user: "alice" }, values: { consumer_byte_rate: 409600, producer_byte_rate: 204800 } },
      { entity: { user: "carol" }, values: { producer_byte_rate: 777 } },
      { entity: { user: null }, values: { producer_byte_rate: 1000 } },
    ];
    const sortKey = (e: any) => JSON.stringify(Object.entries(e.entity).sort());
    const sorted = (xs: any[]) => [...xs].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
    expect(sorted(await describeAll(c))).toEqual(sorted(expected));

    // Filters: exact user (non-strict: every entity with user alice), strict, default, any specified.
    expect(sorted(await describeAll(c, [{ entityType: "user", matchType: 0, match: "alice" }]))).toEqual(sorted(expected.filter((e) => e.entity.user === "alice")));
    expect(await describeAll(c, [{ entityType: "user", matchType: 0, match: "alice" }], true)).toEqual([expected[5]!]);
    expect(sorted(await describeAll(c, [{ entityType: "user", matchType: 1, match: null }]))).toEqual(sorted(expected.filter((e) => e.entity.user === null)));
    expect(sorted(await describeAll(c, [{ entityType: "user", matchType: 2, match: null }], true, 0))).toEqual(sorted([expected[5]!, expected[6]!]));
    const badFilter = await c.call(DescribeClientQuotas, 1, { components: [{ entityType: "ip", matchType: 2, match: null }, { entityType: "user", matchType: 2, match: null }], strict: false });
    expect(badFilter.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(badFilter.entries).toBeNull();

    // Removal: the key goes; an entity left with no keys disappears.
    expect(await alter(c, [{ entity: [{ entityType: "user", entityName: "carol" }], ops: [op("producer_byte_rate", 0, true)] }, { entity: [alice], ops: [op("consumer_byte_rate", 0, true)] }])).toEqual([0, 0]);
    const afterRemove = expected.filter((e) => e.entity.user !== "carol").map((e) => (e.entity.user === "alice" && !("client-id" in e.entity) ? { entity: e.entity, values: { producer_byte_rate: 204800 } } : e));
    expect(sorted(await describeAll(c))).toEqual(sorted(afterRemove));

    // Restart on the same directory: the quotas come back from the metadata log.
    c.close();
    await tb.stop();
    ({ tb, c } = await start(dir));
    expect(sorted(await describeAll(c))).toEqual(sorted(afterRemove));
  }, 60_000);
});
