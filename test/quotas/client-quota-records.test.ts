/** ClientQuotaRecords in the metadata image: replay, removal, the snapshot form and the JSON file form. */
import { expect, test } from "bun:test";
import { applyBatch, MetadataImage } from "../../src/metadata/image.ts";
import { decodeRecord, recordToJson, type MetadataRecord } from "../../src/metadata/records.ts";

const rec = (entity: [string, string | null][], key: string, value: number, remove = false): MetadataRecord => ({
  type: "ClientQuota",
  entity: entity.map(([entityType, entityName]) => ({ entityType, entityName })),
  key,
  value,
  remove,
});

test("quotas replay, merge per entity whatever the part order, and rebuild from the snapshot records", () => {
  const { image } = applyBatch(MetadataImage.EMPTY, 0, [
    rec([["user", "alice"], ["client-id", "app"]], "producer_byte_rate", 100),
    rec([["client-id", "app"], ["user", "alice"]], "consumer_byte_rate", 200),
    rec([["user", null]], "request_percentage", 12.5),
    rec([["ip", "10.0.0.1"]], "connection_creation_rate", 3),
    rec([["ip", "10.0.0.1"]], "connection_creation_rate", 0, true),
  ]);
  expect(image.clientQuotas.size).toBe(2);
  const pair = [...image.clientQuotas.values()].find((q) => q.entity.length === 2)!;
  expect(Object.fromEntries(pair.values)).toEqual({ producer_byte_rate: 100, consumer_byte_rate: 200 });
  const snapshot = image.toRecords().map((r) => decodeRecord(JSON.parse(JSON.stringify(recordToJson(r)))));
  const rebuilt = applyBatch(MetadataImage.EMPTY, 0, snapshot).image;
  expect([...rebuilt.clientQuotas.entries()].map(([k, q]) => [k, q.entity, Object.fromEntries(q.values)])).toEqual(
    [...image.clientQuotas.entries()].map(([k, q]) => [k, q.entity, Object.fromEntries(q.values)]),
  );
});

test("a bad ClientQuota record is refused", () => {
  expect(() => decodeRecord({ type: "ClientQuota", entity: [], key: "k", value: 1, remove: false })).toThrow(/entity/);
  expect(() => decodeRecord({ type: "ClientQuota", entity: [{ entityType: "user", entityName: "a" }], key: "k", value: "1", remove: false })).toThrow(/value/);
  expect(() => applyBatch(MetadataImage.EMPTY, 0, [rec([["user", "a"], ["user", "b"]], "producer_byte_rate", 1)])).toThrow(/twice/);
});
