/**
 * What the CLI prints: aligned tables for people, JSON for scripts (one document, or one object per
 * line for streams), messages on stderr. Bold table headers only when stdout is a TTY and NO_COLOR
 * is unset; never colour otherwise. JSON turns bigints into numbers when they are safe integers and
 * into decimal strings when they are not (offsets and timestamps always fit in practice).
 */
export interface Output {
  /** Writes text to stdout as is. */
  write(text: string): void;
  /** A line on stderr. */
  err(line: string): void;
  table(headers: string[], rows: (string | number | bigint | boolean | null)[][]): void;
  json(value: unknown): void;
  /** One JSON object on one line (consume --format json). */
  jsonLine(value: unknown): void;
  /** Waits until everything written has been flushed. */
  flush(): Promise<void>;
}

export function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  return v;
}

function cell(v: string | number | bigint | boolean | null): string {
  if (v === null) return "-";
  return String(v);
}

export function formatTable(headers: string[], rows: (string | number | bigint | boolean | null)[][], bold: boolean): string {
  const text = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  const head = line(headers);
  return [bold ? `\x1b[1m${head}\x1b[0m` : head, ...text.map(line)].join("\n") + "\n";
}

export function stdOutput(): Output {
  const bold = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const stdout = Bun.stdout.writer();
  let pending: Promise<unknown> = Promise.resolve();
  const write = (text: string) => {
    stdout.write(text);
    pending = Promise.resolve(stdout.flush());
  };
  return {
    write,
    err: (line) => process.stderr.write(line + "\n"),
    table: (headers, rows) => write(formatTable(headers, rows, bold)),
    json: (value) => write(JSON.stringify(value, jsonReplacer, 2) + "\n"),
    jsonLine: (value) => write(JSON.stringify(value, jsonReplacer) + "\n"),
    flush: async () => {
      await pending;
      await stdout.flush();
    },
  };
}
