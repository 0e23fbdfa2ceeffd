import { expect, test } from "bun:test";
import { crc32c } from "../../src/native/index.ts";

test("crc32c check value and continuation", () => {
  const bytes = new TextEncoder().encode("123456789");
  expect(crc32c(bytes)).toBe(0xe3069283);
  expect(crc32c(bytes.subarray(4), crc32c(bytes.subarray(0, 4)))).toBe(0xe3069283);
  expect(crc32c(new Uint8Array(0))).toBe(0);
});
