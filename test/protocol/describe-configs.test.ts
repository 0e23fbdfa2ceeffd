/** DescribeConfigs against hand-written byte layouts: v0's isDefault, v1's source and synonyms. */
import { expect, test } from "bun:test";
import { codecFor } from "../../src/protocol/codec.ts";
import { DescribeConfigs } from "../../src/protocol/messages/describe-configs.ts";
import { Reader } from "../../src/protocol/reader.ts";

const head = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0xff, 0xff, 2, 0, 1, 0x74, 0, 0, 0, 1, 0, 1, 0x61, 0, 1, 0x62, 1];

test("v0 config entry: readOnly, isDefault, isSensitive", () => {
  const out = codecFor(DescribeConfigs.response, 0).decode(new Reader(new Uint8Array([...head, 1, 0])));
  expect(out.results[0].configs[0]).toEqual({
    name: "a", value: "b", readOnly: true, isDefault: true, configSource: -1, isSensitive: false,
    synonyms: [], configType: 0, documentation: "",
  });
});

test("v1 config entry: readOnly, configSource, isSensitive, synonyms", () => {
  const r = new Reader(new Uint8Array([...head, 4, 1, 0, 0, 0, 1, 0, 1, 0x73, 0xff, 0xff, 5]));
  const out = codecFor(DescribeConfigs.response, 1).decode(r);
  expect(r.remaining).toBe(0);
  expect(out.results[0].configs[0]).toMatchObject({ readOnly: true, isDefault: false, configSource: 4, isSensitive: true, synonyms: [{ name: "s", value: null, source: 5 }] });
});
