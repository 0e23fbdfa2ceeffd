/**
 * Consumer group routes:
 *
 *   GET    /api/groups                       every group (ListGroups on each broker)
 *   GET    /api/groups/:group                state, members with assignments, lag per partition
 *   POST   /api/groups/:group/reset          {topic, partitions?, to: earliest|latest|timestamp|
 *                                            offset|shift, timestampMs?, offset?, by?, dryRun}
 *                                            -> current and target per partition (applied unless dryRun)
 *   DELETE /api/groups/:group                the group (it must be empty)
 *   DELETE /api/groups/:group/offsets?topic=T&partitions=0,1
 */
import type { Role } from "../auth.ts";
import type { App, ConsoleDeps } from "./deps.ts";
import { badRequest } from "./errors.ts";
import { deleteGroupOffsets, describeGroupFull, groups, removeGroup, resetOffsets, type ResetSpec } from "./kafka-ops.ts";
import { bigintOf, bool, readBody, str, TOPIC_NAME } from "./input.ts";
import type { Context } from "hono";

function groupParam(c: Context): string {
  const g = decodeURIComponent(c.req.param("group") ?? "");
  if (g.length === 0 || g.length > 32_767) throw badRequest("a group id is 1 to 32767 characters");
  return g;
}

function partitionList(v: unknown): number[] | null {
  if (v === undefined || v === null || v === "" || v === "all") return null;
  const list = Array.isArray(v) ? v : String(v).split(",");
  if (list.length > 10_000 || list.some((p) => !/^\d{1,9}$/.test(String(p).trim()))) throw badRequest(`"partitions" must be a list of partition numbers`);
  return [...new Set(list.map((p) => Number(String(p).trim())))];
}

export function groupRoutes(app: App, deps: ConsoleDeps, need: (r: Role) => any): void {
  app.get("/api/groups", async (c) => c.json(await groups(deps.client())));
  app.get("/api/groups/:group", async (c) => c.json(await describeGroupFull(deps.client(), groupParam(c))));
  // A dry run is a read (viewers may preview); applying needs the editor role.
  app.post("/api/groups/:group/reset", async (c) => {
    const group = groupParam(c);
    const b = await readBody(c);
    const dryRun = bool(b, "dryRun", false);
    if (!dryRun && !(["editor", "admin"] as Role[]).includes(c.get("role"))) return c.json({ error: { status: 403, code: "FORBIDDEN", message: `resetting offsets needs the editor role (you are ${c.get("role")})` } }, 403);
    const topic = str(b, "topic", { pattern: TOPIC_NAME });
    const to = str(b, "to");
    let spec: ResetSpec;
    if (to === "earliest" || to === "latest") spec = { to };
    else if (to === "timestamp") spec = { to, timestampMs: bigintOf(b.timestampMs, "timestampMs") };
    else if (to === "offset") spec = { to, offset: bigintOf(b.offset, "offset") };
    else if (to === "shift") spec = { to, by: bigintOf(b.by, "by") };
    else throw badRequest(`"to" must be earliest, latest, timestamp, offset or shift`);
    return c.json(await resetOffsets(deps.client(), group, topic, partitionList(b.partitions), spec, !dryRun));
  });
  app.delete("/api/groups/:group", need("editor"), async (c) => {
    const group = groupParam(c);
    await removeGroup(deps.client(), group);
    return c.json({ deleted: group });
  });
  app.delete("/api/groups/:group/offsets", need("editor"), async (c) => {
    const group = groupParam(c);
    const topic = c.req.query("topic") ?? "";
    if (!TOPIC_NAME.test(topic)) throw badRequest(`"topic" is required`);
    await deleteGroupOffsets(deps.client(), group, topic, partitionList(c.req.query("partitions")));
    return c.json({ group, topic, deleted: true });
  });
}
