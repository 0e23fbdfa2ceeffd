/**
 * `takhin user list|create|delete`: SCRAM users over DescribeUserScramCredentials (50) and
 * AlterUserScramCredentials (51), as Kafka's kafka-configs --entity-type users does. `create`
 * computes the salted password here, per RFC 5802 (SaltedPassword = Hi(Normalize(password), salt,
 * i), PBKDF2 with the mechanism's HMAC), from a random 32-byte salt and --iterations (default
 * 4096), so the password itself never crosses the wire. The password comes from --password or
 * the first line of stdin. `delete` without --mechanism removes every mechanism the user has.
 * Listings are sorted by user, then mechanism name (brokers answer in their own order).
 */
import { randomBytes } from "node:crypto";
import { KafkaError, type KafkaClient } from "../client/index.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { AlterUserScramCredentials } from "../protocol/messages/alter-user-scram-credentials.ts";
import { DescribeUserScramCredentials } from "../protocol/messages/describe-user-scram-credentials.ts";
import { SCRAM_MAX_ITERATIONS, SCRAM_MECHANISMS, SCRAM_MIN_ITERATIONS, saltedPassword, scramMechanismCode } from "../security/sasl/scram.ts";
import { UsageError } from "./args.ts";
import { int, str, type Context, type Group } from "./command.ts";
import { CLI_MAX_ARG_BYTES } from "./limits.ts";

export const SCRAM_SALT_BYTES = 32;
export const DEFAULT_SCRAM_ITERATIONS = 4096;

const mechanismName = (code: number) => SCRAM_MECHANISMS[code]?.name ?? `UNKNOWN(${code})`;

function mechanism(raw: string): number {
  const code = scramMechanismCode(raw.toUpperCase());
  if (code === null) throw new UsageError(`--mechanism "${raw}" is not SCRAM-SHA-256 or SCRAM-SHA-512`);
  return code;
}

export interface UserRow {
  user: string;
  mechanisms: { mechanism: string; iterations: number }[];
}

export async function describeUsers(client: KafkaClient, names: string[] | null): Promise<UserRow[]> {
  const { body } = await client.send(DescribeUserScramCredentials, { users: names === null ? null : names.map((name) => ({ name })) });
  if (body.errorCode !== 0) throw new KafkaError(body.errorCode, "describe users", body.errorMessage);
  const bad = body.results.find((r) => r.errorCode !== 0);
  if (bad) throw new KafkaError(bad.errorCode, `user ${bad.user}`, bad.errorMessage);
  return body.results
    .map((r) => ({ user: r.user, mechanisms: r.credentialInfos.map((c) => ({ mechanism: mechanismName(c.mechanism), iterations: c.iterations })).sort((a, b) => a.mechanism.localeCompare(b.mechanism)) }))
    .sort((a, b) => a.user.localeCompare(b.user));
}

async function list(ctx: Context): Promise<void> {
  const client = await ctx.client();
  const users = await describeUsers(client, ctx.positionals.length > 0 ? ctx.positionals : null);
  if (ctx.json) ctx.out.json(users);
  else ctx.out.table(["USER", "MECHANISM", "ITERATIONS"], users.flatMap((u) => u.mechanisms.map((m) => [u.user, m.mechanism, m.iterations])));
}

/** The first line of stdin (bounded), without its line ending. */
async function readPassword(stdin: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stdin.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
      const nl = value.indexOf(10);
      if (nl >= 0 || size > CLI_MAX_ARG_BYTES) break;
    }
  } finally {
    reader.releaseLock();
  }
  const text = Buffer.concat(chunks).toString("utf8");
  const line = text.split("\n")[0]!.replace(/\r$/, "");
  if (Buffer.byteLength(line) > CLI_MAX_ARG_BYTES) throw new UsageError(`password longer than ${CLI_MAX_ARG_BYTES} bytes`);
  return line;
}

async function create(ctx: Context): Promise<void> {
  const name = ctx.positionals[0]!;
  const mech = mechanism(str(ctx, "mechanism") ?? "SCRAM-SHA-256");
  const iterations = int(ctx, "iterations") ?? DEFAULT_SCRAM_ITERATIONS;
  if (iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) throw new UsageError(`--iterations must be from ${SCRAM_MIN_ITERATIONS} to ${SCRAM_MAX_ITERATIONS}`);
  const password = str(ctx, "password") ?? (await readPassword(ctx.stdin));
  if (password.length === 0) throw new UsageError("the password is empty (give --password or a line on stdin)");
  const salt = randomBytes(SCRAM_SALT_BYTES);
  const salted = saltedPassword(mech, password, salt, iterations);
  const client = await ctx.client();
  const { body } = await client.send(AlterUserScramCredentials, { deletions: [], upsertions: [{ name, mechanism: mech, iterations, salt, saltedPassword: salted }] });
  const r = body.results[0];
  if (!r) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `create user ${name}`, "no result in the response");
  if (r.errorCode !== 0) throw new KafkaError(r.errorCode, `create user ${name}`, r.errorMessage);
  if (ctx.json) ctx.out.json({ user: name, mechanism: mechanismName(mech), iterations });
  else ctx.out.table(["USER", "MECHANISM", "ITERATIONS", "STATUS"], [[name, mechanismName(mech), iterations, "created"]]);
}

async function remove(ctx: Context): Promise<void> {
  const name = ctx.positionals[0]!;
  const client = await ctx.client();
  const raw = str(ctx, "mechanism");
  const mechs = raw !== undefined ? [mechanism(raw)] : (await describeUsers(client, [name]))[0]!.mechanisms.map((m) => scramMechanismCode(m.mechanism)!);
  const { body } = await client.send(AlterUserScramCredentials, { deletions: mechs.map((m) => ({ name, mechanism: m })), upsertions: [] });
  const bad = body.results.find((r) => r.errorCode !== 0);
  if (bad) throw new KafkaError(bad.errorCode, `delete user ${name}`, bad.errorMessage);
  const names = mechs.map(mechanismName);
  if (ctx.json) ctx.out.json({ user: name, mechanisms: names });
  else ctx.out.table(["USER", "MECHANISM", "STATUS"], names.map((m) => [name, m, "deleted"]));
}

const MECHANISM_FLAG = { name: "mechanism", kind: "string", value: "M" } as const;

export const userCommands: Group = {
  name: "user",
  summary: "list, create and delete SCRAM users",
  commands: [
    { name: "list", summary: "users and their SCRAM mechanisms (all, or the users named)", flags: [], positionals: [{ name: "user", required: false, variadic: true }], run: list },
    {
      name: "create",
      summary: "create a SCRAM user or change its password (salted here: the password is never sent)",
      flags: [
        { ...MECHANISM_FLAG, help: "SCRAM-SHA-256 (default) or SCRAM-SHA-512" },
        { name: "password", kind: "string", value: "PASSWORD", help: "the password (default: the first line of stdin)" },
        { name: "iterations", kind: "int", value: "N", help: `PBKDF2 iterations, ${SCRAM_MIN_ITERATIONS}-${SCRAM_MAX_ITERATIONS} (default ${DEFAULT_SCRAM_ITERATIONS})` },
      ],
      positionals: [{ name: "user", required: true }],
      run: create,
    },
    {
      name: "delete",
      summary: "delete a user's SCRAM credentials",
      flags: [{ ...MECHANISM_FLAG, help: "only this mechanism (default: every mechanism the user has)" }],
      positionals: [{ name: "user", required: true }],
      run: remove,
    },
  ],
};
