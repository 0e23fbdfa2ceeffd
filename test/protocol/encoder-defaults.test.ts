/**
 * The encoder writes a schema's `default` for an omitted field (it used to write the type's zero
 * and ignore `default`), for plain and nested fields, and keeps a `default: null` out of versions
 * where the field may not be null.
 */
import { describe, expect, test } from "bun:test";
import { decodeMessage, encodeMessage } from "../../src/protocol/codec.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { InitProducerId } from "../../src/protocol/messages/init-producer-id.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { arr, field, request, struct, type MessageDef } from "../../src/protocol/schema.ts";

function roundtrip(def: MessageDef, version: number, value: unknown): any {
  return decodeMessage(def, version, new Reader(encodeMessage(def, version, value).toBytes()));
}

describe("encoder defaults", () => {
  test("an omitted top-level field encodes as its default", () => {
    // InitProducerId v3+: producerId defaults to -1, producerEpoch to -1.
    const decoded = roundtrip(InitProducerId.request, 4, { transactionalId: null, transactionTimeoutMs: 1000 });
    expect(decoded.producerId).toBe(-1n);
    expect(decoded.producerEpoch).toBe(-1);
    // CreateTopics: timeoutMs defaults to 60000.
    expect(roundtrip(CreateTopics.request, 5, { topics: [] }).timeoutMs).toBe(60000);
  });

  test("an omitted field inside array elements encodes as its default", () => {
    const body = {
      throttleTimeMs: 0,
      topics: [{ name: "t", topicId: undefined, errorCode: 0, errorMessage: null, configs: [{ name: "x", value: "y", readOnly: false, isSensitive: false }] }],
    };
    const t = roundtrip(CreateTopics.response, 5, body).topics[0];
    expect(t.numPartitions).toBe(-1);
    expect(t.replicationFactor).toBe(-1);
    expect(t.configs[0].configSource).toBe(-1);
    // Produce response partitions: logAppendTimeMs and logStartOffset default to -1.
    const p = roundtrip(Produce.response, 8, { responses: [{ name: "t", partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 5n }] }], throttleTimeMs: 0 })
      .responses[0].partitionResponses[0];
    expect(p.baseOffset).toBe(5n);
    expect(p.logAppendTimeMs).toBe(-1n);
    expect(p.logStartOffset).toBe(-1n);
  });

  test("a given value wins over the default; a field without a default encodes its type's zero", () => {
    expect(roundtrip(CreateTopics.request, 5, { topics: [], timeoutMs: 5 }).timeoutMs).toBe(5);
    expect(roundtrip(CreateTopics.request, 5, { topics: [] }).validateOnly).toBe(false);
    const def = request({ apiKey: 9999, name: "TestRequest", valid: "0-1", flexible: "1+" }, [
      field("plain", "int32", "0+"),
      field("withDefault", "int32", "0+", { default: 7 }),
      field("nullDefault", "string", "0+", { nullable: "1+", default: null }),
      field("list", arr(struct(field("inner", "int16", "0+", { default: -3 }))), "0+"),
    ]);
    expect(roundtrip(def, 0, { list: [{}] })).toEqual({ plain: 0, withDefault: 7, nullDefault: "", list: [{ inner: -3 }] });
    expect(roundtrip(def, 1, { list: [] })).toEqual({ plain: 0, withDefault: 7, nullDefault: null, list: [] });
  });
});
