/**
 * /v1/security/users: SCRAM users, as Redpanda's Admin API has them.
 *
 *   GET    /v1/security/users            -> [{ "username", "mechanisms": [{ "mechanism", "iterations" }] }]
 *   POST   /v1/security/users            <- { "username", "password", "algorithm": "SCRAM-SHA-256" | "SCRAM-SHA-512",
 *                                            "iterations"?: 4096..16384 (default 4096) }
 *                                         -> { "username", "algorithm", "iterations" }
 *                                            409 user_exists when the user already has that mechanism
 *   DELETE /v1/security/users/{username} -> { "username", "mechanisms": [...] }  (every mechanism removed)
 *                                            404 user_not_found
 *
 * Each call is a DescribeUserScramCredentials / AlterUserScramCredentials handed to the registered
 * handler, so it passes the checks of the Kafka API (src/security/scram-admin.ts) and, in a cluster,
 * the handler's forwarding to the active controller, which commits the records to the metadata log.
 * The salted password is computed here (RFC 5802 Hi, a random 32-byte salt), as a Kafka client does.
 * The POST's exists-check and the write are two steps: two racing POSTs for one user may both succeed
 * (the second password wins), as two AlterUserScramCredentials upserts would.
 */
import { randomBytes } from "node:crypto";
import { ErrorCode } from "../protocol/errors.ts";
import { AlterUserScramCredentials } from "../protocol/messages/alter-user-scram-credentials.ts";
import { DescribeUserScramCredentials } from "../protocol/messages/describe-user-scram-credentials.ts";
import type { ApiDef } from "../protocol/schema.ts";
import type { BrokerContext, RequestContext } from "../server/context.ts";
import { NO_RESPONSE } from "../server/registry.ts";
import { ANONYMOUS } from "../security/principal.ts";
import { SCRAM_MAX_ITERATIONS, SCRAM_MECHANISMS, SCRAM_MIN_ITERATIONS, saltedPassword, scramMechanismCode } from "../security/sasl/scram.ts";
import { AdminError } from "./errors.ts";

export const ADMIN_SCRAM_SALT_BYTES = 32;
export const ADMIN_SCRAM_DEFAULT_ITERATIONS = 4096;
/** Longest username and password the Admin API takes (bytes, UTF-8). */
export const ADMIN_USER_MAX_FIELD_BYTES = 1024;

const errorName = (code: number) => Object.entries(ErrorCode).find(([, v]) => v === code)?.[0] ?? String(code);

async function call(ctx: BrokerContext, api: ApiDef, req: unknown): Promise<any> {
  const handler = ctx.registry.get(api.apiKey);
  if (!handler) throw new AdminError(503, `API ${api.apiKey} is not served by this broker`, "unavailable");
  const rc: RequestContext = {
    broker: ctx,
    connection: { id: -1, remoteAddress: "admin-api", principal: ANONYMOUS },
    api,
    apiKey: api.apiKey,
    apiVersion: 0,
    correlationId: 0,
    clientId: "takhin-admin-api",
  };
  const res = await handler.handle(rc, req as never, 0);
  if (res === NO_RESPONSE) throw new AdminError(503, "no answer from the SCRAM handler", "unavailable");
  return res;
}

/** A Kafka error code as the Admin API's answer: retriable ones 503, a missing user 404, others 400. */
function fail(code: number, message: string | null): never {
  const name = errorName(code);
  if (code === ErrorCode.NOT_CONTROLLER || code === ErrorCode.REQUEST_TIMED_OUT) throw new AdminError(503, message ?? name, name.toLowerCase());
  if (code === ErrorCode.RESOURCE_NOT_FOUND) throw new AdminError(404, message ?? name, "user_not_found");
  throw new AdminError(400, message ?? name, name.toLowerCase());
}

export interface UserView {
  username: string;
  mechanisms: { mechanism: string; iterations: number }[];
}

async function describe(ctx: BrokerContext, names: string[] | null): Promise<UserView[]> {
  const res = await call(ctx, DescribeUserScramCredentials, { users: names === null ? null : names.map((name) => ({ name })) });
  if (res.errorCode !== ErrorCode.NONE) fail(res.errorCode, res.errorMessage);
  const out: UserView[] = [];
  for (const r of res.results as { user: string; errorCode: number; errorMessage: string | null; credentialInfos: { mechanism: number; iterations: number }[] }[]) {
    if (r.errorCode !== ErrorCode.NONE) fail(r.errorCode, r.errorMessage);
    out.push({ username: r.user, mechanisms: r.credentialInfos.map((c) => ({ mechanism: SCRAM_MECHANISMS[c.mechanism]?.name ?? `UNKNOWN(${c.mechanism})`, iterations: c.iterations })) });
  }
  return out.sort((a, b) => a.username.localeCompare(b.username));
}

export const listUsers = (ctx: BrokerContext) => describe(ctx, null);

export interface NewUser {
  username: string;
  password: string;
  mechanism: number;
  iterations: number;
}

function boundedString(b: Record<string, unknown>, key: string): string {
  const v = b[key];
  if (typeof v !== "string" || v.length === 0) throw new AdminError(400, `${key} must be a non-empty string`, "invalid_body");
  if (Buffer.byteLength(v) > ADMIN_USER_MAX_FIELD_BYTES) throw new AdminError(400, `${key} longer than ${ADMIN_USER_MAX_FIELD_BYTES} bytes`, "invalid_body");
  return v;
}

/** Checks a POST body. */
export function parseNewUser(body: unknown): NewUser {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new AdminError(400, 'body must be a JSON object {"username", "password", "algorithm"}', "invalid_body");
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!["username", "password", "algorithm", "iterations"].includes(k)) throw new AdminError(400, `unknown field ${JSON.stringify(k)}; expected username, password, algorithm, iterations`, "invalid_body");
  const username = boundedString(b, "username");
  const password = boundedString(b, "password");
  const algorithm = b.algorithm ?? "SCRAM-SHA-256";
  const mechanism = typeof algorithm === "string" ? scramMechanismCode(algorithm.toUpperCase()) : null;
  if (mechanism === null) throw new AdminError(400, `algorithm must be SCRAM-SHA-256 or SCRAM-SHA-512, got ${JSON.stringify(algorithm)}`, "unsupported_sasl_mechanism");
  const iterations = b.iterations ?? ADMIN_SCRAM_DEFAULT_ITERATIONS;
  if (typeof iterations !== "number" || !Number.isInteger(iterations) || iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
    throw new AdminError(400, `iterations must be an integer from ${SCRAM_MIN_ITERATIONS} to ${SCRAM_MAX_ITERATIONS}`, "invalid_body");
  }
  return { username, password, mechanism, iterations };
}

export async function createUser(ctx: BrokerContext, u: NewUser): Promise<{ username: string; algorithm: string; iterations: number }> {
  const algorithm = SCRAM_MECHANISMS[u.mechanism]!.name;
  const existing = (await listUsers(ctx)).find((x) => x.username === u.username);
  if (existing?.mechanisms.some((m) => m.mechanism === algorithm)) throw new AdminError(409, `user ${JSON.stringify(u.username)} already has ${algorithm} credentials`, "user_exists");
  // Plain Uint8Arrays, as the Kafka decoder gives handlers (before c94ab1d a Node Buffer lost its
  // bytes when the request was forwarded to the controller).
  const salt = new Uint8Array(randomBytes(ADMIN_SCRAM_SALT_BYTES));
  const salted = new Uint8Array(saltedPassword(u.mechanism, u.password, salt, u.iterations));
  const res = await call(ctx, AlterUserScramCredentials, { deletions: [], upsertions: [{ name: u.username, mechanism: u.mechanism, iterations: u.iterations, salt, saltedPassword: salted }] });
  const r = res.results[0];
  if (!r) throw new AdminError(503, "no result from the SCRAM handler", "unavailable");
  if (r.errorCode !== ErrorCode.NONE) fail(r.errorCode, r.errorMessage);
  return { username: u.username, algorithm, iterations: u.iterations };
}

export async function deleteUser(ctx: BrokerContext, username: string): Promise<UserView> {
  if (username.length === 0 || Buffer.byteLength(username) > ADMIN_USER_MAX_FIELD_BYTES) throw new AdminError(400, `username must be 1 to ${ADMIN_USER_MAX_FIELD_BYTES} bytes`, "invalid_username");
  const [user] = await describe(ctx, [username]);
  if (!user || user.mechanisms.length === 0) throw new AdminError(404, `user ${JSON.stringify(username)} does not exist`, "user_not_found");
  const res = await call(ctx, AlterUserScramCredentials, { deletions: user.mechanisms.map((m) => ({ name: username, mechanism: scramMechanismCode(m.mechanism)! })), upsertions: [] });
  for (const r of res.results) if (r.errorCode !== ErrorCode.NONE) fail(r.errorCode, r.errorMessage);
  return user;
}
