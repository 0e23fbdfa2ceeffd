/** The benchmark harness's pure parts: percentiles, tables, SVG charts, /proc parsing, profiles, framing. */
import { describe, expect, test } from "bun:test";
import { cpuPerGB, parseStatCpuSeconds, parseStatusMem } from "../../bench/e2e/procstat.ts";
import { summarizeProfile, type CpuProfile } from "../../bench/e2e/profile.ts";
import { fmt, fmtBytes, fmtRatio, mdTable, ratio } from "../../bench/e2e/report.ts";
import { median, percentile, summarize } from "../../bench/e2e/stats.ts";
import { barChartSvg, escapeXml, lineChartSvg, niceScale } from "../../bench/e2e/svg.ts";
import { FrameAssembler } from "../../src/protocol/frame-assembler.ts";

describe("percentiles", () => {
  const oneToThousand = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
  test("nearest rank", () => {
    expect(percentile(oneToThousand, 50)).toBe(500);
    expect(percentile(oneToThousand, 99)).toBe(990);
    expect(percentile(oneToThousand, 99.9)).toBe(999);
    expect(percentile(oneToThousand, 100)).toBe(1000);
    expect(percentile(oneToThousand, 0)).toBe(1);
    expect(percentile([7], 99.9)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
  test("summarize sorts and reports p50/p99/p99.9/max/mean", () => {
    const shuffled = Array.from(oneToThousand).sort((a, b) => ((a * 7919) % 1000) - ((b * 7919) % 1000));
    expect(summarize(shuffled)).toEqual({ count: 1000, mean: 500.5, p50: 500, p99: 990, p999: 999, max: 1000 });
    expect(summarize([]).count).toBe(0);
  });
  test("median", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe("formatting", () => {
  test("numbers, bytes, ratios", () => {
    expect(fmt(1_234_567)).toBe("1,234,567");
    expect(fmt(512.4)).toBe("512");
    expect(fmt(1.23456)).toBe("1.23");
    expect(fmt(NaN)).toBe("–");
    expect(fmt(0)).toBe("0");
    expect(fmtBytes(100)).toBe("100 B");
    expect(fmtBytes(10240)).toBe("10 KiB");
    expect(fmtBytes(1 << 20)).toBe("1 MiB");
    expect(fmtRatio(ratio(250, 1000))).toBe("0.25");
    expect(fmtRatio(ratio(1, 0))).toBe("–");
  });
  test("markdown table with alignment and escaped pipes", () => {
    const t = mdTable(["a", "b"], [["x|y", "1"]], ["l", "r"]);
    expect(t.split("\n")).toEqual(["| a | b |", "| --- | ---: |", "| x\\|y | 1 |"]);
    expect(() => mdTable(["a"], [["1", "2"]])).toThrow();
  });
});

describe("svg", () => {
  const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
  test("nice scale", () => {
    expect(niceScale(870)).toEqual({ top: 1000, step: 200 });
    expect(niceScale(0)).toEqual({ top: 1, step: 0.2 });
    expect(niceScale(4.2).top).toBeGreaterThanOrEqual(4.2);
  });
  test("bar chart: one bar per finite value, one limit line per group, escaped text", () => {
    const svg = barChartSvg({
      title: "A & B <test>",
      yLabel: "MB/s",
      groups: ["100 B", "1 KiB"],
      series: [{ name: "s1", values: [10, 20] }, { name: "s2", values: [30, NaN] }],
      limit: { name: "limit", values: [50, 60] },
    });
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("A &amp; B &lt;test&gt;");
    expect(count(svg, /<rect [^>]*fill="#(?!ffffff)[^"]+"><title>/g)).toBe(3);
    expect(count(svg, /stroke-dasharray="4 2"><title>/g)).toBe(2);
    expect(svg).not.toContain("NaN");
  });
  test("line chart with log axis and a reference line", () => {
    const svg = lineChartSvg({ title: "lat", xLabel: "MB/s", yLabel: "ms", x: [10, 50, 100], series: [{ name: "p99", values: [1, 2, 30] }], logY: true, reference: { value: 5, label: "target" } });
    expect(count(svg, /<polyline /g)).toBe(1);
    expect(count(svg, /<circle /g)).toBe(3);
    expect(svg).toContain(">target<");
    expect(svg).not.toContain("NaN");
    expect(escapeXml(`"<&>"`)).toBe("&quot;&lt;&amp;&gt;&quot;");
  });
});

describe("/proc parsing", () => {
  test("stat with a command name containing spaces and parentheses", () => {
    const stat = "1234 (bun (x) y) S 1 1234 1234 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 8 0 100 1000 2000";
    expect(parseStatCpuSeconds(stat)).toBe(3);
  });
  test("CPU seconds per GB: seconds over 10^9 bytes, NaN without a reading or without bytes", () => {
    expect(cpuPerGB(3, 1.5e9)).toBe(2);
    expect(cpuPerGB(0.5, 250e6)).toBe(2);
    expect(cpuPerGB(NaN, 1e9)).toBeNaN();
    expect(cpuPerGB(1, 0)).toBeNaN();
  });
  test("status memory lines", () => {
    const m = parseStatusMem("Name:\tbun\nVmRSS:\t  102400 kB\nRssAnon:\t   51200 kB\nRssFile:\t   40960 kB\n");
    expect(m).toEqual({ rssMB: 100, anonMB: 50, fileMB: 40 });
  });
});

describe("profile summary", () => {
  test("self time per function, idle separated, native frames charged to their caller in src/", () => {
    const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber });
    const p: CpuProfile = {
      startTime: 0,
      endTime: 100_000,
      nodes: [
        { id: 1, callFrame: frame("(root)"), children: [2, 4] },
        { id: 2, callFrame: frame("append", "file:///r/src/storage/segment.ts", 9), children: [3] },
        { id: 3, callFrame: frame("writeSync") },
        { id: 4, callFrame: frame("(idle)") },
      ],
      samples: [3, 3, 3, 2, 4],
      timeDeltas: [1000, 1000, 1000, 1000, 1000],
    };
    const s = summarizeProfile(p, 10, "/r");
    expect(s.totalMs).toBe(100);
    expect(s.busyMs).toBe(4);
    expect(s.top[0]).toMatchObject({ name: "writeSync", location: "(native)", selfMs: 3, pct: 75 });
    expect(s.byCaller[0]).toMatchObject({ name: "append → writeSync", location: "src/storage/segment.ts:10", selfMs: 3 });
    expect(s.byFile.find((f) => f.file === "src/storage/segment.ts")?.selfMs).toBe(1);
  });
});

describe("frame assembler", () => {
  test("cuts frames across chunk boundaries without losing bytes", () => {
    const frames = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(9)];
    const wire: number[] = [];
    for (const f of frames) wire.push(0, 0, (f.length >> 8) & 0xff, f.length & 0xff, ...f);
    const bytes = Uint8Array.from(wire);
    for (const step of [1, 2, 5, 7, 64, bytes.length]) {
      const a = new FrameAssembler();
      const out: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += step) a.push(bytes.subarray(i, i + step), out);
      expect(out.map((f) => Array.from(f))).toEqual(frames.map((f) => Array.from(f)));
    }
  });
  test("refuses a negative frame size", () => {
    expect(() => new FrameAssembler().push(new Uint8Array([0xff, 0xff, 0xff, 0xff]), [])).toThrow();
  });
});
