/** Number formatting and Markdown tables for the results (pure). */

/** Formats a number with about three significant digits and thousands separators for big ones. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 10_000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a === 0) return "0";
  return (+v.toPrecision(digits)).toString();
}

/** A ratio as "0.42"; "–" when either side is missing. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number {
  if (a === null || a === undefined || b === null || b === undefined || !(b > 0) || !Number.isFinite(a)) return NaN;
  return a / b;
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? r.toFixed(2) : "–";
}

/** Bytes as "100 B", "1 KiB", "1 MiB". */
export function fmtBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A GitHub-flavoured Markdown table; `align` per column: "l" or "r" (default "l"). */
export function mdTable(headers: string[], rows: string[][], align: ("l" | "r")[] = []): string {
  for (const r of rows) if (r.length !== headers.length) throw new Error(`row has ${r.length} cells, table has ${headers.length} columns`);
  const sep = headers.map((_, i) => (align[i] === "r" ? "---:" : "---"));
  const line = (cells: string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [line(headers), `|${sep.map((s) => ` ${s} `).join("|")}|`, ...rows.map(line)].join("\n");
}
