/** The broker's command line (src/config/args.ts): both --config spellings, --help, and refusals. */
import { describe, expect, test } from "bun:test";
import { parseArgs, usage, UsageError } from "../../src/config/args.ts";
import { describeKeys } from "../../src/config/config.ts";

describe("parseArgs", () => {
  test("--config path and --config=path name the same file; -h and --help ask for usage", () => {
    expect(parseArgs(["--config", "a.yaml"])).toEqual({ configFile: "a.yaml", help: false });
    expect(parseArgs(["--config=a.yaml"])).toEqual({ configFile: "a.yaml", help: false });
    expect(parseArgs(["--config=dir/with=sign.yaml"]).configFile).toBe("dir/with=sign.yaml");
    expect(parseArgs(["--help"]).help).toBe(true);
    expect(parseArgs(["-h", "--config", "x"])).toEqual({ configFile: "x", help: true });
    expect(parseArgs([])).toEqual({ help: false });
  });

  test("unknown flags, stray arguments and a missing path are usage errors", () => {
    for (const argv of [["--port", "1"], ["serve"], ["--config"], ["--config="], ["--config", "--help"], ["--conf=x"]]) {
      expect(() => parseArgs(argv)).toThrow(UsageError);
    }
  });

  test("usage names every configuration key's environment variable", () => {
    const text = usage();
    for (const k of describeKeys()) expect(text).toContain(k.env);
  });
});
