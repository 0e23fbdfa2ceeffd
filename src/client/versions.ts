/**
 * ApiVersions negotiation: for each API the client uses the highest version both its schema
 * (src/protocol/messages) and the broker support, optionally capped by the caller.
 */
import type { ApiDef } from "../protocol/schema.ts";
import { UnsupportedVersionError } from "./errors.ts";

export interface BrokerApiRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** The broker's ranges by api key, from an ApiVersions response. */
export type BrokerVersions = Map<number, { min: number; max: number }>;

export function brokerVersions(apiKeys: BrokerApiRange[]): BrokerVersions {
  const out: BrokerVersions = new Map();
  for (const k of apiKeys) out.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
  return out;
}

/** Highest version of `api` in [schema] ∩ [broker] ∩ [0, cap]; throws UnsupportedVersionError. */
export function pickVersion(api: ApiDef, broker: BrokerVersions, cap = Infinity): number {
  const theirs = broker.get(api.apiKey);
  if (!theirs) throw new UnsupportedVersionError(`the broker does not support ${api.name} (key ${api.apiKey})`);
  const min = Math.max(api.request.valid.min, theirs.min);
  const max = Math.min(api.request.valid.max, theirs.max, cap);
  if (min > max) {
    throw new UnsupportedVersionError(
      `${api.name}: no common version (client ${api.request.valid.min}-${api.request.valid.max}, broker ${theirs.min}-${theirs.max}${cap < Infinity ? `, cap ${cap}` : ""})`,
    );
  }
  return max;
}
