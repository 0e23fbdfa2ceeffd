/**
 * Compatibility levels (Confluent's): which earlier versions a new schema is checked against and
 * in which direction.
 *   BACKWARD   the new schema reads data written with the latest version
 *   FORWARD    the latest version reads data written with the new schema
 *   FULL       both
 *   *_TRANSITIVE  the same against every (not deleted) version, not only the latest
 *   NONE       no check
 */
import type { ParsedSchema, SchemaFormat } from "./formats/format.ts";

export const COMPATIBILITY_LEVELS = ["NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = "BACKWARD";

export function parseLevel(v: unknown): CompatibilityLevel | null {
  if (typeof v !== "string") return null;
  const up = v.toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(up) ? (up as CompatibilityLevel) : null;
}

export const isTransitive = (l: CompatibilityLevel) => l.endsWith("_TRANSITIVE");

/** The reasons `candidate` is not compatible with `previous` under `level` (one previous version; empty: compatible). */
export function incompatibilities(format: SchemaFormat, level: CompatibilityLevel, candidate: ParsedSchema, previous: ParsedSchema): string[] {
  const base = level.replace("_TRANSITIVE", "");
  const out: string[] = [];
  if (base === "BACKWARD" || base === "FULL") out.push(...format.readerIncompatibilities(candidate, previous));
  if (base === "FORWARD" || base === "FULL") out.push(...format.readerIncompatibilities(previous, candidate));
  return out;
}
