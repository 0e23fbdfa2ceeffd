/**
 * The Schema Registry's REST routes (Hono), Confluent's API: subjects, versions, schemas by id,
 * compatibility, config, mode (see docs/schema-registry.md for the list). Bodies are JSON of
 * content type application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json or
 * application/json (or none given), at most SCHEMA_REGISTRY_MAX_BODY_BYTES; answers are
 * application/vnd.schemaregistry.v1+json. Every failure is Confluent's { error_code, message }
 * (errors.ts): malformed JSON or a field of the wrong JSON type 400/400, a body that is not an object 422/422, oversized 413/413,
 * another content type 415/415, unknown path 404/404, wrong method 405/405, unexpected 500/50001.
 */
import { httpSecurity } from "../security/http-auth.ts";
import type { Authorizer } from "../security/authorizer.ts";
import type { SecurityContext } from "../security/security-context.ts";
import { filterSubjects, registryChecks } from "./authorization.ts";
import { Hono, type Context } from "hono";
import { SCHEMA_REGISTRY_MAX_BODY_BYTES, SCHEMA_REGISTRY_MAX_REFERENCES } from "../limits.ts";
import type { Logger } from "../util/log.ts";
import { COMPATIBILITY_LEVELS, parseLevel } from "./compatibility.ts";
import * as E from "./errors.ts";
import { SCHEMA_TYPES, type SchemaReference, type SchemaType } from "./formats/index.ts";
import { FORWARDED_HEADER, SCHEMAS_OFFSET_HEADER, type WriteForwarder } from "./forward.ts";
import { MAX_SUBJECT_CHARS, MODES, type Mode, type Registry, type SchemaRequest } from "./registry.ts";

export const CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
const ACCEPTED_TYPES = /^(application\/vnd\.schemaregistry\.v1\+json|application\/vnd\.schemaregistry\+json|application\/json|application\/octet-stream)\b/i;
const MAX_INT32 = 2 ** 31 - 1;

function send(c: Context, body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": CONTENT_TYPE } });
}

/** The request body's bytes, bounded (kept on the context: a write forwarded and then handled here reads it once). */
async function rawBody(c: Context): Promise<Uint8Array> {
  const kept = (c as unknown as { rawBody?: Uint8Array }).rawBody;
  if (kept) return kept;
  const type = c.req.header("content-type");
  if (type && !ACCEPTED_TYPES.test(type)) throw new E.RegistryError(415, `HTTP 415 Unsupported Media Type: ${type}`);
  const declared = Number(c.req.header("content-length") ?? "NaN");
  const tooLarge = () => new E.RegistryError(413, `the request body is over ${SCHEMA_REGISTRY_MAX_BODY_BYTES} bytes`);
  if (Number.isFinite(declared) && declared > SCHEMA_REGISTRY_MAX_BODY_BYTES) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = c.req.raw.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > SCHEMA_REGISTRY_MAX_BODY_BYTES) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const bytes = Buffer.concat(chunks);
  (c as unknown as { rawBody?: Uint8Array }).rawBody = bytes;
  return bytes;
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const bytes = await rawBody(c);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new E.RegistryError(400, `Unexpected character in the request body: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new E.RegistryError(422, "Unrecognized request body: a JSON object is expected");
  return parsed as Record<string, unknown>;
}

const flag = (c: Context, name: string) => (c.req.query(name) ?? "false").toLowerCase() === "true";

function subjectParam(c: Context): string {
  const s = c.req.param("subject") ?? "";
  // eslint-disable-next-line no-control-regex
  if (s.length === 0 || s.length > MAX_SUBJECT_CHARS || /[\u0000-\u001f]/.test(s)) throw E.invalidSubject(s.slice(0, 200));
  return s;
}

function versionParam(c: Context): number | "latest" {
  const raw = c.req.param("version") ?? "";
  if (raw === "latest" || raw === "-1") return "latest";
  if (!/^\d{1,10}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_INT32) throw E.invalidVersion(raw.slice(0, 100));
  return Number(raw);
}

function idParam(c: Context): number {
  const raw = c.req.param("id") ?? "";
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > MAX_INT32) throw new E.RegistryError(404, `HTTP 404 Not Found`);
  return Number(raw);
}

/** The schema part of a register / lookup / compatibility body. */
function schemaRequest(body: Record<string, unknown>): SchemaRequest {
  // A field of the wrong JSON type is a request Confluent's (Jackson's) reader cannot bind: 400.
  const wrongType = (field: string, want: string) => new E.RegistryError(400, `Cannot deserialize value of type \`${want}\` for field '${field}'`);
  if (body.schema !== undefined && body.schema !== null && typeof body.schema !== "string") throw wrongType("schema", "java.lang.String");
  if (body.schemaType !== undefined && body.schemaType !== null && typeof body.schemaType !== "string") throw wrongType("schemaType", "java.lang.String");
  if (body.references !== undefined && body.references !== null && !Array.isArray(body.references)) throw wrongType("references", "java.util.ArrayList");
  const schemaType = body.schemaType === undefined || body.schemaType === null ? "AVRO" : String(body.schemaType).toUpperCase();
  if (!(SCHEMA_TYPES as readonly string[]).includes(schemaType)) throw E.invalidSchema(`unknown schema type ${JSON.stringify(body.schemaType)}; known: ${SCHEMA_TYPES.join(", ")}`);
  if (typeof body.schema !== "string" || body.schema.length === 0) throw E.invalidSchema("the body has no schema string");
  const refsRaw = body.references ?? [];
  if (!Array.isArray(refsRaw)) throw E.invalidSchema("references must be an array");
  if (refsRaw.length > SCHEMA_REGISTRY_MAX_REFERENCES) throw E.invalidSchema(`more than ${SCHEMA_REGISTRY_MAX_REFERENCES} references`);
  const references: SchemaReference[] = refsRaw.map((r: unknown) => {
    const o = r as Record<string, unknown>;
    if (!o || typeof o.name !== "string" || typeof o.subject !== "string" || !Number.isInteger(o.version)) throw E.invalidSchema("a reference needs name, subject and version");
    return { name: o.name, subject: o.subject, version: o.version as number };
  });
  const out: SchemaRequest = { schema: body.schema, schemaType: schemaType as SchemaType, references };
  if (body.id !== undefined && body.id !== null && body.id !== -1) {
    if (!Number.isInteger(body.id) || (body.id as number) < 1 || (body.id as number) > MAX_INT32) throw E.invalidSchema(`id ${JSON.stringify(body.id)} is not a positive int32`);
    out.id = body.id as number;
  }
  if (body.version !== undefined && body.version !== null && body.version !== -1 && body.version !== 0) {
    if (!Number.isInteger(body.version) || (body.version as number) < 1 || (body.version as number) > MAX_INT32) throw E.invalidVersion(String(body.version));
    out.version = body.version as number;
  }
  return out;
}

/** Paths (as regular expressions) with their methods, for the 405 answer. */
const ROUTES: [RegExp, string[]][] = [
  [/^\/$/, ["GET"]],
  [/^\/subjects\/?$/, ["GET"]],
  [/^\/subjects\/[^/]+\/?$/, ["POST", "DELETE"]],
  [/^\/subjects\/[^/]+\/versions\/?$/, ["GET", "POST"]],
  [/^\/subjects\/[^/]+\/versions\/[^/]+\/?$/, ["GET", "DELETE"]],
  [/^\/subjects\/[^/]+\/versions\/[^/]+\/(schema|referencedby)\/?$/, ["GET"]],
  [/^\/schemas(\/types)?\/?$/, ["GET"]],
  [/^\/schemas\/ids\/[^/]+(\/(schema|subjects|versions))?\/?$/, ["GET"]],
  [/^\/compatibility\/subjects\/[^/]+\/versions(\/[^/]+)?\/?$/, ["POST"]],
  [/^\/config(\/[^/]+)?\/?$/, ["GET", "PUT", "DELETE"]],
  [/^\/mode\/?$/, ["GET", "PUT"]],
  [/^\/mode\/[^/]+\/?$/, ["GET", "PUT", "DELETE"]],
  [/^\/contexts\/?$/, ["GET"]],
];

/** Writes change `_schemas`: in a cluster they run on the registry leading it (forward.ts). */
const isWrite = (method: string, path: string) => method === "PUT" || method === "DELETE" || (method === "POST" && /^\/subjects\/[^/]+\/versions\/?$/.test(path));

/** Identities and ACLs (src/security/http-auth.ts); absent: none (a registry outside a broker). */
export interface RegistrySecurity {
  security: SecurityContext;
  authorizer: Authorizer;
}

export function schemaRegistryApp(registry: Registry, log: Logger, forwarder?: WriteForwarder, guard?: RegistrySecurity): Hono {
  const app = new Hono({ strict: false });

  if (guard) {
    app.use(
      "*",
      httpSecurity({
        security: guard.security,
        authorizer: guard.authorizer,
        open: () => false,
        checks: registryChecks,
        refuse: (_c, status, message) => {
          const e = new E.RegistryError(status === 401 ? 401 : 40301, message);
          return new Response(JSON.stringify(e.body()), { status, headers: { "content-type": "application/vnd.schemaregistry.v1+json" } });
        },
      }),
    );
    app.use("*", filterSubjects(guard.authorizer));
  }

  if (forwarder) {
    app.use("*", async (c, next) => {
      if (!isWrite(c.req.method, c.req.path)) return next();
      const forwarded = c.req.header(FORWARDED_HEADER) !== undefined;
      const target = await forwarder.target();
      if (target !== "local") {
        // A forwarded write that finds this node no longer leading goes back: the origin retries.
        if (forwarded) throw E.unknownLeader(`this node no longer leads _schemas-0`);
        const url = new URL(c.req.url);
        const answer = await forwarder.forward(c.req.raw, url.pathname + url.search, await rawBody(c));
        if (answer) return answer;
      }
      await next();
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(SCHEMAS_OFFSET_HEADER, String(registry.appliedOffset()));
    });
  }

  app.get("/", (c) => send(c, {}));
  app.get("/contexts", (c) => send(c, ["."]));

  // ---- subjects
  app.get("/subjects", (c) => send(c, registry.subjects(flag(c, "deleted"), c.req.query("subjectPrefix") ?? "")));
  app.post("/subjects/:subject", async (c) => {
    const subject = subjectParam(c);
    const req = schemaRequest(await jsonBody(c));
    return send(c, registry.lookup(subject, req, flag(c, "normalize"), flag(c, "deleted")));
  });
  app.delete("/subjects/:subject", async (c) => send(c, await registry.deleteSubject(subjectParam(c), flag(c, "permanent"))));
  app.get("/subjects/:subject/versions", (c) => send(c, registry.versions(subjectParam(c), flag(c, "deleted"))));
  app.post("/subjects/:subject/versions", async (c) => {
    const subject = subjectParam(c);
    const req = schemaRequest(await jsonBody(c));
    const r = await registry.registerHere(subject, req, flag(c, "normalize"));
    return send(c, { id: r.id });
  });
  app.get("/subjects/:subject/versions/:version", (c) => {
    const v = registry.version(subjectParam(c), versionParam(c), flag(c, "deleted"));
    const format = c.req.query("format");
    return send(c, format ? { ...v, schema: registry.formatted({ schema: v.schema, schemaType: v.schemaType ?? "AVRO", references: v.references ?? [] }, format) } : v);
  });
  app.get("/subjects/:subject/versions/:version/schema", (c) => {
    const v = registry.version(subjectParam(c), versionParam(c), flag(c, "deleted"));
    return new Response(v.schema, { headers: { "content-type": CONTENT_TYPE } });
  });
  app.get("/subjects/:subject/versions/:version/referencedby", (c) => send(c, registry.referencedBy(subjectParam(c), versionParam(c))));
  app.delete("/subjects/:subject/versions/:version", async (c) => send(c, await registry.deleteVersion(subjectParam(c), versionParam(c), flag(c, "permanent"))));

  // ---- schemas
  app.get("/schemas/types", (c) => send(c, SCHEMA_TYPES));
  app.get("/schemas", (c) => {
    const prefix = c.req.query("subjectPrefix") ?? "";
    const deleted = flag(c, "deleted");
    const latestOnly = flag(c, "latestOnly");
    const out = [];
    for (const subject of registry.subjects(deleted, prefix)) {
      const vs = registry.versions(subject, deleted);
      for (const v of latestOnly ? vs.slice(-1) : vs) out.push(registry.version(subject, v, deleted));
    }
    return send(c, out);
  });
  app.get("/schemas/ids/:id", (c) => {
    const st = registry.schemaById(idParam(c));
    return send(c, { ...(st.schemaType !== "AVRO" ? { schemaType: st.schemaType } : {}), ...(st.references.length ? { references: st.references } : {}), schema: registry.formatted(st, c.req.query("format")) });
  });
  app.get("/schemas/ids/:id/schema", (c) => new Response(registry.schemaById(idParam(c)).schema, { headers: { "content-type": CONTENT_TYPE } }));
  app.get("/schemas/ids/:id/subjects", (c) => send(c, [...new Set(registry.idUsers(idParam(c), flag(c, "deleted")).map((u) => u.subject))]));
  app.get("/schemas/ids/:id/versions", (c) => send(c, registry.idUsers(idParam(c), flag(c, "deleted"))));

  // ---- compatibility
  const compatibility = (all: boolean) => async (c: Context) => {
    const subject = subjectParam(c);
    const version = all ? "all" : versionParam(c);
    const req = schemaRequest(await jsonBody(c));
    const messages = registry.testCompatibility(subject, version, req, flag(c, "normalize"));
    return send(c, { is_compatible: messages.length === 0, ...(flag(c, "verbose") ? { messages } : {}) });
  };
  app.post("/compatibility/subjects/:subject/versions", compatibility(true));
  app.post("/compatibility/subjects/:subject/versions/:version", compatibility(false));

  // ---- config
  const configBody = async (c: Context) => {
    const body = await jsonBody(c);
    const raw = body.compatibility ?? body.compatibilityLevel;
    const level = raw === undefined ? null : parseLevel(raw);
    if (raw !== undefined && !level) throw E.invalidCompatibilityLevel();
    if (body.normalize !== undefined && typeof body.normalize !== "boolean") throw new E.RegistryError(422, "normalize must be a boolean");
    if (!level && body.normalize === undefined) throw E.invalidCompatibilityLevel();
    return { compatibilityLevel: level ?? "", ...(typeof body.normalize === "boolean" ? { normalize: body.normalize } : {}) };
  };
  const configAnswer = (v: { compatibilityLevel: string; normalize?: boolean }) => ({ ...(v.compatibilityLevel ? { compatibility: v.compatibilityLevel } : {}), ...(v.normalize !== undefined ? { normalize: v.normalize } : {}) });
  const configView = (v: { compatibilityLevel: string; normalize?: boolean }) => ({ compatibilityLevel: v.compatibilityLevel || "BACKWARD", ...(v.normalize !== undefined ? { normalize: v.normalize } : {}) });
  app.get("/config", (c) => send(c, configView(registry.getConfig(null, false))));
  app.put("/config", async (c) => send(c, configAnswer(await registry.setConfig(null, await configBody(c)))));
  app.delete("/config", async (c) => send(c, configView(await registry.deleteConfig(null))));
  app.get("/config/:subject", (c) => send(c, configView(registry.getConfig(subjectParam(c), flag(c, "defaultToGlobal")))));
  app.put("/config/:subject", async (c) => {
    const subject = subjectParam(c);
    return send(c, configAnswer(await registry.setConfig(subject, await configBody(c))));
  });
  app.delete("/config/:subject", async (c) => send(c, configView(await registry.deleteConfig(subjectParam(c)))));

  // ---- mode
  const modeBody = async (c: Context): Promise<Mode> => {
    const body = await jsonBody(c);
    const m = typeof body.mode === "string" ? body.mode.toUpperCase() : "";
    if (!(MODES as readonly string[]).includes(m)) throw E.invalidMode();
    return m as Mode;
  };
  app.get("/mode", (c) => send(c, { mode: registry.getMode(null, false) }));
  app.put("/mode", async (c) => send(c, { mode: await registry.setMode(null, await modeBody(c), flag(c, "force")) }));
  app.get("/mode/:subject", (c) => send(c, { mode: registry.getMode(subjectParam(c), flag(c, "defaultToGlobal")) }));
  app.put("/mode/:subject", async (c) => {
    const subject = subjectParam(c);
    return send(c, { mode: await registry.setMode(subject, await modeBody(c), flag(c, "force")) });
  });
  app.delete("/mode/:subject", async (c) => send(c, { mode: await registry.deleteMode(subjectParam(c)) }));

  app.notFound((c) => {
    const path = c.req.path;
    const route = ROUTES.find(([re]) => re.test(path));
    if (route) {
      const r = send(c, new E.RegistryError(405, "HTTP 405 Method Not Allowed").body(), 405);
      r.headers.set("allow", route[1].join(", "));
      return r;
    }
    return send(c, new E.RegistryError(404, "HTTP 404 Not Found").body(), 404);
  });
  app.onError((err, c) => {
    if (err instanceof E.RegistryError) return send(c, err.body(), err.status);
    log.error("schema registry: request failed", { path: c.req.path, method: c.req.method, error: err });
    return send(c, E.storeError(err.message).body(), 500);
  });
  return app;
}

export { COMPATIBILITY_LEVELS };
