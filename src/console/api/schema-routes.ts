/**
 * Schema routes, over the Schema Registry's REST API (Confluent-compatible: Takhin's or any):
 *
 *   GET  /api/schemas                              subjects with their latest version and type
 *   GET  /api/schemas/config                       the global compatibility level
 *   PUT  /api/schemas/config                       {compatibility}
 *   GET  /api/schemas/:subject                     versions, latest, compatibility level
 *   GET  /api/schemas/:subject/versions/:v         one version
 *   POST /api/schemas/:subject/check               {schema, schemaType} -> {compatible, messages}
 *   POST /api/schemas/:subject                     {schema, schemaType}: checked first; an
 *                                                  incompatible one is refused with 409 and the reasons
 *   PUT  /api/schemas/:subject/config              {compatibility}
 *   DELETE /api/schemas/:subject[?version=N]       soft delete (a version or the subject)
 */
import type { Context } from "hono";
import type { Role } from "../auth.ts";
import type { App, ConsoleDeps } from "./deps.ts";
import { badRequest, ConsoleError } from "./errors.ts";
import { readBody, str } from "./input.ts";

const LEVELS = ["BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"];
const TYPES = ["AVRO", "PROTOBUF", "JSON"];

function subjectParam(c: Context): string {
  const s = c.req.param("subject") ?? "";
  if (s.length === 0 || s.length > 1000 || /[\u0000-\u001f]/.test(s)) throw badRequest("a subject is 1 to 1000 printable characters");
  return encodeURIComponent(s);
}

export function schemaRoutes(app: App, deps: ConsoleDeps, need: (r: Role) => any): void {
  const sr = deps.registry;
  app.get("/api/schemas", async (c) => {
    const subjects = (await sr.call<string[]>("GET", "/subjects")).slice(0, 5000).sort();
    const list = await Promise.all(
      subjects.map(async (s) => {
        const v = await sr.call<{ version: number; schemaType?: string; id: number }>("GET", `/subjects/${encodeURIComponent(s)}/versions/latest`).catch(() => null);
        return { subject: s, latestVersion: v?.version ?? null, id: v?.id ?? null, schemaType: v ? (v.schemaType ?? "AVRO") : null };
      }),
    );
    return c.json({ subjects: list });
  });
  app.get("/api/schemas/config", async (c) => c.json(await sr.call("GET", "/config")));
  app.put("/api/schemas/config", need("editor"), async (c) => {
    const level = str(await readBody(c), "compatibility");
    if (!LEVELS.includes(level)) throw badRequest(`"compatibility" must be one of ${LEVELS.join(", ")}`);
    return c.json(await sr.call("PUT", "/config", { compatibility: level }));
  });
  app.get("/api/schemas/:subject", async (c) => {
    const s = subjectParam(c);
    const versions = await sr.call<number[]>("GET", `/subjects/${s}/versions`);
    const latest = await sr.call<{ version: number; id: number; schema: string; schemaType?: string }>("GET", `/subjects/${s}/versions/latest`);
    const level = await sr.call<{ compatibilityLevel?: string }>("GET", `/config/${s}?defaultToGlobal=true`).catch(() => null);
    return c.json({ subject: decodeURIComponent(s), versions, latest: { ...latest, schemaType: latest.schemaType ?? "AVRO" }, compatibility: level?.compatibilityLevel ?? null });
  });
  app.get("/api/schemas/:subject/versions/:version", async (c) => {
    const s = subjectParam(c);
    const v = c.req.param("version");
    if (!/^(\d{1,9}|latest)$/.test(v)) throw badRequest(`a version is a number or "latest"`);
    const r = await sr.call<{ schemaType?: string }>("GET", `/subjects/${s}/versions/${v}`);
    return c.json({ ...r, schemaType: r.schemaType ?? "AVRO" });
  });
  const schemaBody = async (c: Context) => {
    const b = await readBody(c);
    const schema = str(b, "schema", { maxLength: 512 * 1024 });
    const schemaType = str(b, "schemaType", { optional: true }) || "AVRO";
    if (!TYPES.includes(schemaType)) throw badRequest(`"schemaType" must be one of ${TYPES.join(", ")}`);
    return { schema, schemaType };
  };
  const check = async (s: string, body: { schema: string; schemaType: string }) => {
    const exists = await sr.call<number[]>("GET", `/subjects/${s}/versions`).then(() => true, (e) => (e instanceof ConsoleError && e.status === 404 ? false : Promise.reject(e)));
    if (!exists) return { compatible: true, messages: [] as string[], firstVersion: true };
    const r = await sr.call<{ is_compatible: boolean; messages?: string[] }>("POST", `/compatibility/subjects/${s}/versions/latest?verbose=true`, body);
    return { compatible: r.is_compatible, messages: r.messages ?? [], firstVersion: false };
  };
  app.post("/api/schemas/:subject/check", async (c) => {
    const s = subjectParam(c);
    return c.json(await check(s, await schemaBody(c)));
  });
  app.post("/api/schemas/:subject", need("editor"), async (c) => {
    const s = subjectParam(c);
    const body = await schemaBody(c);
    const verdict = await check(s, body);
    if (!verdict.compatible) throw new ConsoleError(409, `the schema is not compatible with the latest version of ${decodeURIComponent(s)}: ${verdict.messages.join("; ") || "incompatible"}`, "INCOMPATIBLE_SCHEMA");
    const r = await sr.call<{ id: number }>("POST", `/subjects/${s}/versions`, body);
    return c.json({ subject: decodeURIComponent(s), id: r.id }, 201);
  });
  app.put("/api/schemas/:subject/config", need("editor"), async (c) => {
    const s = subjectParam(c);
    const level = str(await readBody(c), "compatibility");
    if (!LEVELS.includes(level)) throw badRequest(`"compatibility" must be one of ${LEVELS.join(", ")}`);
    return c.json(await sr.call("PUT", `/config/${s}`, { compatibility: level }));
  });
  app.delete("/api/schemas/:subject", need("editor"), async (c) => {
    const s = subjectParam(c);
    const v = c.req.query("version");
    if (v !== undefined && !/^\d{1,9}$/.test(v)) throw badRequest("version must be a number");
    return c.json({ deleted: await sr.call("DELETE", v === undefined ? `/subjects/${s}` : `/subjects/${s}/versions/${v}`) });
  });
}
