/** What every console route module is given (app.ts builds it). */
import type { Hono } from "hono";
import type { KafkaClient } from "../../client/index.ts";
import type { Role } from "../auth.ts";
import type { SchemaCache } from "./decode.ts";
import type { ReadStats } from "./messages.ts";
import type { Upstream } from "./upstream.ts";

export interface ConsoleDeps {
  client: () => KafkaClient;
  registry: Upstream;
  adminApi: Upstream;
  connectUrl: string | null;
  schemas: SchemaCache;
  stats: ReadStats;
  log: (msg: string, fields: Record<string, unknown>) => void;
}

/** The variables the auth middleware sets on each request. */
export type Env = { Variables: { user: string; role: Role; clientKey: string } };
export type App = Hono<Env>;
