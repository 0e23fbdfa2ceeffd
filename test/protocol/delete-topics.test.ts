/** DeleteTopics against hand-written byte layouts: v6 deletes by name or topic id. */
import { expect, test } from "bun:test";
import { codecFor } from "../../src/protocol/codec.ts";
import { DeleteTopics } from "../../src/protocol/messages/delete-topics.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";

function encode(version: number, value: unknown): number[] {
  const w = new Writer();
  codecFor(DeleteTopics.request, version).encode(w, value);
  return [...w.toBytes()];
}

test("v6 request: topics of (nullable name, topic id) come before timeoutMs", () => {
  const value = { topics: [{ name: null, topicId: "AAECAwQFBgcICQoLDA0ODw" }], topicNames: [], timeoutMs: 5 };
  const bytes = [2, 0, ...Array(16).keys(), 0, 0, 0, 0, 5, 0];
  expect(encode(6, value)).toEqual(bytes);
  expect(codecFor(DeleteTopics.request, 6).decode(new Reader(new Uint8Array(bytes)))).toEqual(value);
});

test("v3 and v5 requests carry topicNames (classic, then compact)", () => {
  const value = { topics: [], topicNames: ["a"], timeoutMs: 5 };
  expect(encode(3, value)).toEqual([0, 0, 0, 1, 0, 1, 0x61, 0, 0, 0, 5]);
  expect(encode(5, value)).toEqual([2, 2, 0x61, 0, 0, 0, 5, 0]);
});

test("v6 response name may be null; v4 response decodes errorMessage to null", () => {
  const w = new Writer();
  const v6 = { throttleTimeMs: 1, responses: [{ name: null, topicId: "AAAAAAAAAAAAAAAAAAAAAA", errorCode: 100, errorMessage: null }] };
  codecFor(DeleteTopics.response, 6).encode(w, v6);
  expect(codecFor(DeleteTopics.response, 6).decode(new Reader(w.toBytes()))).toEqual(v6);
  const v4 = codecFor(DeleteTopics.response, 4).decode(new Reader(new Uint8Array([0, 0, 0, 1, 2, 2, 0x61, 0, 3, 0, 0])));
  expect(v4.responses[0]).toEqual({ name: "a", topicId: "AAAAAAAAAAAAAAAAAAAAAA", errorCode: 3, errorMessage: null });
});
