/** CreateTopics against hand-written byte layouts: classic vs compact encodings and the tagged field. */
import { describe, expect, test } from "bun:test";
import { codecFor } from "../../src/protocol/codec.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { Reader } from "../../src/protocol/reader.ts";
import type { MessageDef } from "../../src/protocol/schema.ts";
import { Writer } from "../../src/protocol/writer.ts";

function encode(def: MessageDef, version: number, value: unknown): number[] {
  const w = new Writer();
  codecFor(def, version).encode(w, value);
  return [...w.toBytes()];
}

function decode(def: MessageDef, version: number, bytes: number[]): any {
  const r = new Reader(new Uint8Array(bytes));
  const out = codecFor(def, version).decode(r);
  expect(r.remaining).toBe(0);
  return out;
}

const request = {
  topics: [{ name: "ab", numPartitions: 3, replicationFactor: 2, assignments: [], configs: [{ name: "k", value: null }] }],
  timeoutMs: 60000,
  validateOnly: true,
};

describe("CreateTopicsRequest", () => {
  test("v4 uses int32 array counts, int16 string lengths, -1 for a null string", () => {
    const bytes = [
      0, 0, 0, 1, // topics
      0, 2, 0x61, 0x62, // "ab"
      0, 0, 0, 3, // numPartitions
      0, 2, // replicationFactor
      0, 0, 0, 0, // assignments
      0, 0, 0, 1, // configs
      0, 1, 0x6b, // "k"
      0xff, 0xff, // null value
      0, 0, 0xea, 0x60, // timeoutMs 60000
      1, // validateOnly
    ];
    expect(encode(CreateTopics.request, 4, request)).toEqual(bytes);
    expect(decode(CreateTopics.request, 4, bytes)).toEqual(request);
  });

  test("v5 is flexible: compact counts and strings, a tagged section after every struct", () => {
    const bytes = [
      2, // topics: 1 + 1
      3, 0x61, 0x62, // "ab"
      0, 0, 0, 3,
      0, 2,
      1, // assignments: empty
      2, // configs: 1 + 1
      2, 0x6b, // "k"
      0, // null value
      0, // config tagged fields
      0, // topic tagged fields
      0, 0, 0xea, 0x60,
      1,
      0, // top-level tagged fields
    ];
    expect(encode(CreateTopics.request, 5, request)).toEqual(bytes);
    expect(decode(CreateTopics.request, 5, bytes)).toEqual(request);
  });

  test("v0 has no validateOnly; it decodes to false", () => {
    const bytes = encode(CreateTopics.request, 0, request);
    expect(bytes.length).toBe(encode(CreateTopics.request, 1, request).length - 1);
    expect(decode(CreateTopics.request, 0, bytes).validateOnly).toBe(false);
  });
});

describe("CreateTopicsResponse", () => {
  const topic = {
    name: "ab",
    topicId: "AAAAAAAAAAAAAAAAAAAAAA",
    errorCode: 0,
    errorMessage: null,
    topicConfigErrorCode: 42,
    numPartitions: -1,
    replicationFactor: -1,
    configs: null,
  };

  test("v5 writes topicConfigErrorCode as tag 0 of the topic struct", () => {
    const bytes = [
      0, 0, 0, 0, // throttleTimeMs
      2, // topics
      3, 0x61, 0x62,
      0, 0, // errorCode
      0, // null errorMessage
      0xff, 0xff, 0xff, 0xff, // numPartitions -1
      0xff, 0xff, // replicationFactor -1
      0, // null configs
      1, 0, 2, 0, 42, // one tagged field: tag 0, 2 bytes, int16 42
      0, // top-level tagged fields
    ];
    const value = { throttleTimeMs: 0, topics: [topic] };
    expect(encode(CreateTopics.response, 5, value)).toEqual(bytes);
    expect(decode(CreateTopics.response, 5, bytes)).toEqual(value);
  });

  test("v5 omits the tagged field at its default, and decodes its absence to 0", () => {
    const value = { throttleTimeMs: 0, topics: [{ ...topic, topicConfigErrorCode: 0 }] };
    const bytes = encode(CreateTopics.response, 5, value);
    expect(bytes.slice(-2)).toEqual([0, 0]);
    expect(decode(CreateTopics.response, 5, bytes)).toEqual(value);
  });

  test("v7 puts the 16-byte topicId right after the name", () => {
    const id = "AAECAwQFBgcICQoLDA0ODw"; // bytes 0x00..0x0f
    const bytes = encode(CreateTopics.response, 7, { throttleTimeMs: 0, topics: [{ ...topic, topicId: id }] });
    expect(bytes.slice(8, 24)).toEqual([...Array(16).keys()]);
    expect(bytes.slice(24, 26)).toEqual([0, 0]);
  });

  test("v1 (classic) has errorMessage but no throttleTimeMs", () => {
    const bytes = [0, 0, 0, 1, 0, 2, 0x61, 0x62, 0, 36, 0, 1, 0x78];
    const back = decode(CreateTopics.response, 1, bytes);
    expect(back.throttleTimeMs).toBe(0);
    expect(back.topics[0]).toMatchObject({ name: "ab", errorCode: 36, errorMessage: "x", numPartitions: -1, configs: [] });
  });
});
