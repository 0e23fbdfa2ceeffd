/**
 * Every API schema Takhin knows, by key. The server's handler registry decides which of them it
 * serves and at which versions; this module only knows their wire shapes.
 */
import { ApiVersions } from "./messages/api-versions.ts";
import { GROUP1_APIS } from "./messages/group1.ts";
import { GROUP2_APIS } from "./messages/group2.ts";
import { GROUP3_APIS } from "./messages/group3.ts";
import type { ApiDef } from "./schema.ts";

export const ALL_APIS: ApiDef[] = [ApiVersions, ...GROUP1_APIS, ...GROUP2_APIS, ...GROUP3_APIS].sort(
  (a, b) => a.apiKey - b.apiKey,
);

export const API_BY_KEY = new Map<number, ApiDef>();
for (const a of ALL_APIS) {
  if (API_BY_KEY.has(a.apiKey)) throw new Error(`api key ${a.apiKey} declared twice`);
  API_BY_KEY.set(a.apiKey, a);
}
