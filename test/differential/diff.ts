/**
 * Field-by-field difference of two normalised transcripts. A path names a step label, then
 * fields joined by dots, keyed entries in brackets: `2:DescribeConfigsv4.results[resourceName=t].
 * configs[name=retention.ms].configSource`. A side that lacks a field shows "<absent>".
 */
export interface Difference {
  path: string;
  kafka: unknown;
  takhin: unknown;
}

export const ABSENT = "<absent>";

function join(path: string, key: string): string {
  if (key.startsWith("[")) return path + key;
  return path ? `${path}.${key}` : key;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function diff(kafka: unknown, takhin: unknown, path = "", out: Difference[] = []): Difference[] {
  if (isObject(kafka) && isObject(takhin)) {
    const keys = new Set([...Object.keys(kafka), ...Object.keys(takhin)]);
    for (const k of keys) {
      const p = join(path, k);
      if (!(k in kafka)) out.push({ path: p, kafka: ABSENT, takhin: takhin[k] });
      else if (!(k in takhin)) out.push({ path: p, kafka: kafka[k], takhin: ABSENT });
      else diff(kafka[k], takhin[k], p, out);
    }
    return out;
  }
  if (Array.isArray(kafka) && Array.isArray(takhin) && kafka.length === takhin.length) {
    kafka.forEach((k, i) => diff(k, takhin[i], `${path}[${i}]`, out));
    return out;
  }
  if (JSON.stringify(kafka) !== JSON.stringify(takhin)) out.push({ path, kafka, takhin });
  return out;
}

/** Short rendering of a value for reports (long structures cut). */
export function show(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}
