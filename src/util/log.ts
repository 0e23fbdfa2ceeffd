/**
 * Structured logging: one line per event with a level, a message and key=value fields, as text
 * (`2026-01-01T00:00:00.000Z INFO message key=value`) or JSON lines. Written to stderr.
 */
import type { LogLevel } from "../config/config.ts";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  format: "text" | "json";
  sink?: (line: string) => void;
}

function fmtValue(v: unknown): string {
  if (v instanceof Error) v = v.stack ?? v.message;
  if (typeof v === "bigint") return v.toString();
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return /[\s="]/.test(s) ? JSON.stringify(s) : s;
}

export function createLogger(opts: LoggerOptions, base: Fields = {}): Logger {
  const min = RANK[opts.level];
  const sink = opts.sink ?? ((line: string) => process.stderr.write(line + "\n"));
  const emit = (level: LogLevel, msg: string, fields?: Fields) => {
    if (RANK[level] < min) return;
    const all = fields ? { ...base, ...fields } : base;
    const ts = new Date().toISOString();
    if (opts.format === "json") {
      sink(
        JSON.stringify({ ts, level, msg, ...all }, (_k, v) =>
          typeof v === "bigint" ? v.toString() : v instanceof Error ? v.stack ?? v.message : v,
        ),
      );
    } else {
      let line = `${ts} ${level.toUpperCase()} ${msg}`;
      for (const [k, v] of Object.entries(all)) line += ` ${k}=${fmtValue(v)}`;
      sink(line);
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}
