/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (for tests): HELP and TYPE lines
 * before a family's samples, metric and label names by the grammar, label values with \\ \" \n
 * escapes only, float values, no duplicate series, histogram buckets cumulative with le="+Inf"
 * equal to _count, counters named *_total. Throws naming the line on any violation.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(s: string, line: string): number {
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  if (s === "NaN") return NaN;
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`bad value ${JSON.stringify(s)} in: ${line}`);
  return Number(s);
}

function parseLabels(s: string, line: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    if (s[i] === "}") return { labels, rest: s.slice(i + 1) };
    const eq = s.indexOf("=", i);
    if (eq < 0) throw new Error(`bad labels in: ${line}`);
    const name = s.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`bad label name ${name} in: ${line}`);
    if (name in labels) throw new Error(`duplicate label ${name} in: ${line}`);
    if (s[eq + 1] !== '"') throw new Error(`unquoted label value in: ${line}`);
    let j = eq + 2;
    let v = "";
    for (;;) {
      const ch = s[j];
      if (ch === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (ch === "\\") {
        const n = s[j + 1];
        if (n === "\\") v += "\\";
        else if (n === '"') v += '"';
        else if (n === "n") v += "\n";
        else throw new Error(`bad escape \\${n} in: ${line}`);
        j += 2;
        continue;
      }
      if (ch === '"') break;
      v += ch;
      j++;
    }
    labels[name] = v;
    i = j + 1;
    if (s[i] === ",") i++;
    else if (s[i] !== "}") throw new Error(`expected , or } in: ${line}`);
  }
}

export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let current: Family | null = null;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# HELP ")) {
      const [, name, ...help] = line.split(" ").slice(1);
      void name;
      const n = line.split(" ")[2];
      if (!NAME.test(n)) throw new Error(`bad metric name in: ${line}`);
      if (families.has(n)) throw new Error(`family ${n} declared twice`);
      current = { name: n, type: "untyped", help: help.join(" "), samples: [] };
      families.set(n, current);
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [, , n, type] = line.split(" ");
      if (!current || current.name !== n) throw new Error(`TYPE without HELP first: ${line}`);
      if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(type)) throw new Error(`bad type: ${line}`);
      current.type = type;
      continue;
    }
    if (line.startsWith("#")) continue;
    const brace = line.indexOf("{");
    const space = line.indexOf(" ");
    const nameEnd = brace >= 0 && brace < space ? brace : space;
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`bad sample name in: ${line}`);
    let labels: Record<string, string> = {};
    let rest = line.slice(nameEnd);
    if (rest.startsWith("{")) ({ labels, rest } = parseLabels(rest, line));
    const parts = rest.trim().split(" ");
    if (parts.length < 1 || parts.length > 2 || rest[0] !== " ") throw new Error(`bad sample: ${line}`);
    const value = parseValue(parts[0], line);
    if (!current) throw new Error(`sample before any HELP: ${line}`);
    const base = current.type === "histogram" ? name.replace(/_(bucket|sum|count)$/, "") : current.type === "summary" ? name.replace(/_(sum|count)$/, "") : name;
    if (base !== current.name) throw new Error(`sample ${name} outside its family ${current.name}`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) throw new Error(`duplicate series: ${line}`);
    seen.add(key);
    current.samples.push({ name, labels, value });
  }
  for (const f of families.values()) {
    if (f.type === "counter" && !f.name.endsWith("_total")) throw new Error(`counter ${f.name} is not named *_total`);
    if (f.type !== "histogram") continue;
    const groups = new Map<string, Sample[]>();
    for (const s of f.samples) {
      const { le, ...rest } = s.labels;
      const k = JSON.stringify(Object.entries(rest).sort());
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k)!.push(s);
    }
    for (const [k, ss] of groups) {
      const buckets = ss.filter((s) => s.name.endsWith("_bucket"));
      const count = ss.find((s) => s.name.endsWith("_count"));
      if (!count || !ss.some((s) => s.name.endsWith("_sum"))) throw new Error(`histogram ${f.name}${k} lacks _sum or _count`);
      let prev = -1;
      let prevLe = -Infinity;
      for (const b of buckets) {
        const le = parseValue(b.labels.le ?? "", `${f.name} le`);
        if (le <= prevLe) throw new Error(`histogram ${f.name}${k}: le not increasing`);
        if (b.value < prev) throw new Error(`histogram ${f.name}${k}: buckets not cumulative`);
        prev = b.value;
        prevLe = le;
      }
      if (prevLe !== Infinity || prev !== count.value) throw new Error(`histogram ${f.name}${k}: +Inf bucket ${prev} != count ${count.value}`);
    }
  }
  return families;
}
