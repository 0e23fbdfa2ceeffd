/**
 * The CLI's pure parts: Kafka's murmur2 against the values in Kafka's own UtilsTest, the input line
 * splitter under any chunking (property), and the argument parser's typed values and errors.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { parseArgs, UsageError } from "../../src/cli/args.ts";
import { lines, murmur2 } from "../../src/cli/records.ts";

test("murmur2 matches Kafka's Utils.murmur2", () => {
  const cases: [string, number][] = [
    ["21", -973932308],
    ["foobar", -790332482],
    ["a-little-bit-long-string", -985981536],
    ["a-little-bit-longer-string", -1486304829],
    ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
    ["abc", 479470107],
  ];
  for (const [s, h] of cases) expect([s, murmur2(new TextEncoder().encode(s))]).toEqual([s, h]);
});

async function collect(chunks: Uint8Array[], max?: number): Promise<string[]> {
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (const ch of chunks) c.enqueue(ch);
      c.close();
    },
  });
  const out: string[] = [];
  for await (const l of lines(stream, max)) out.push(l);
  return out;
}

test("lines: the same lines however the input is cut into chunks", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.string({ unit: "grapheme", maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, "")), { maxLength: 20 }), fc.array(fc.nat(40), { maxLength: 10 }), fc.boolean(), async (ls, cuts, crlf) => {
      const bytes = new TextEncoder().encode(ls.map((l) => l + (crlf ? "\r\n" : "\n")).join(""));
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const chunks: Uint8Array[] = [];
      let prev = 0;
      for (const p of [...points, bytes.length]) {
        chunks.push(bytes.slice(prev, p));
        prev = p;
      }
      expect(await collect(chunks.filter((c) => c.length > 0))).toEqual(ls);
    }),
    { numRuns: 200 },
  );
});

test("lines: a line past the bound fails, a last line without a newline is kept", async () => {
  const enc = new TextEncoder();
  expect(await collect([enc.encode("ab\ncd")])).toEqual(["ab", "cd"]);
  await expect(collect([enc.encode("12345"), enc.encode("678\n")], 6)).rejects.toThrow("longer than 6 bytes");
  await expect(collect([enc.encode("1234567\n")], 6)).rejects.toThrow("longer than 6 bytes");
});

test("parseArgs: typed values, repeats, --x=y, --, and errors", () => {
  const flags = [
    { name: "n", kind: "int" as const, help: "" },
    { name: "o", kind: "int64" as const, help: "" },
    { name: "s", kind: "strings" as const, help: "" },
    { name: "b", kind: "bool" as const, help: "" },
  ];
  const pos = [{ name: "x", required: true, variadic: true }];
  const p = parseArgs(["a", "--n", "-3", "--o=9007199254740993", "--s", "1", "--s=2", "--b", "--", "--n"], flags, pos);
  expect([...p.flags]).toEqual([["n", -3], ["o", 9007199254740993n], ["s", ["1", "2"]], ["b", true]]);
  expect(p.positionals).toEqual(["a", "--n"]);
  for (const bad of [["a", "--n", "1.5"], ["a", "--n", "9007199254740993"], ["a", "--o", "9223372036854775808"], ["a", "--b=1"], ["a", "--n", "1", "--n", "2"], ["a", "-x"], []]) {
    expect(() => parseArgs(bad, flags, pos)).toThrow(UsageError);
  }
});
