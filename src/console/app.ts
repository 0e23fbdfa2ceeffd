/**
 * The Takhin Console's HTTP app (Hono): the front end (assets.ts) and its JSON API under /api,
 * one module per area (api/*-routes.ts, api/topics.ts). The same app serves inside the broker
 * (service.ts) and on its own against any Kafka cluster (standalone.ts): it reaches the cluster
 * through the internal Kafka client only, and the registry, Admin API and Connect over HTTP.
 *
 * Session routes (auth.ts says how login, roles and CSRF work):
 *   GET  /api/session   {devMode, user, role, csrf, features} (user null: not logged in)
 *   POST /api/login     {user, password}: a SASL login against the cluster; sets the cookie
 *   POST /api/logout
 *
 * Every /api route needs a session (unless in development mode); every non-GET the CSRF header;
 * each mutating route declares the role it needs (viewer < editor < admin).
 */
import { Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { KafkaClient } from "../client/index.ts";
import { assets } from "./assets.ts";
import { COOKIE, roleAtLeast, sameToken, Sessions, type Role } from "./auth.ts";
import { connectRoutes } from "./api/connect-routes.ts";
import { SchemaCache } from "./api/decode.ts";
import type { ConsoleDeps, Env } from "./api/deps.ts";
import { ConsoleError, errorBody, errorResponse } from "./api/errors.ts";
import { groupRoutes } from "./api/group-routes.ts";
import { readBody, str } from "./api/input.ts";
import { ReadStats } from "./api/messages.ts";
import { messageRoutes } from "./api/message-routes.ts";
import { schemaRoutes } from "./api/schema-routes.ts";
import { securityRoutes } from "./api/security-routes.ts";
import { topicRoutes } from "./api/topics.ts";
import { Upstream } from "./api/upstream.ts";

export interface ConsoleOptions {
  client: () => KafkaClient;
  schemaRegistryUrl: string | null;
  adminApiUrl: string | null;
  connectUrl: string | null;
  /** user -> role; null: development mode (no login). */
  roles: Map<string, Role> | null;
  /** Checks a password with the cluster (sasl-login.ts); null when login is off. */
  login: ((user: string, password: string) => Promise<boolean>) | null;
  log: (msg: string, fields: Record<string, unknown>) => void;
}

export interface ConsoleApp {
  app: Hono<Env>;
  stats: ReadStats;
  sessions: Sessions;
}

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export function consoleApp(opts: ConsoleOptions): ConsoleApp {
  const app = new Hono<Env>();
  const stats = new ReadStats();
  const registry = new Upstream("Schema Registry", opts.schemaRegistryUrl, "application/vnd.schemaregistry.v1+json");
  const sessions = new Sessions(opts.roles);
  const deps: ConsoleDeps = {
    client: opts.client,
    registry,
    adminApi: new Upstream("Admin API", opts.adminApiUrl),
    connectUrl: opts.connectUrl,
    schemas: new SchemaCache(registry.configured ? (id) => registry.call<{ schemaType?: string; schema: string }>("GET", `/schemas/ids/${id}`) : null),
    stats,
    log: opts.log,
  };

  app.onError((e, c) => errorResponse(c, e, opts.log));
  app.notFound((c) => (c.req.path.startsWith("/api/") ? c.json(errorBody(404, "NOT_FOUND", `no route ${c.req.method} ${c.req.path}`), 404) : c.text("not found", 404)));
  app.use("*", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
  });

  const secure = (c: { req: { url: string; header: (n: string) => string | undefined } }) => c.req.url.startsWith("https:") || c.req.header("x-forwarded-proto") === "https";
  const features = () => ({ registry: registry.configured, connect: opts.connectUrl !== null, adminApi: opts.adminApiUrl !== null });
  const ipOf = (c: { env: unknown; req: { raw: Request } }) => (c.env as { requestIP?: (r: Request) => { address: string } | null } | undefined)?.requestIP?.(c.req.raw)?.address ?? "local";

  app.get("/api/session", (c) => {
    if (sessions.devMode) return c.json({ devMode: true, user: "development", role: "admin", csrf: sessions.devCsrf, features: features() });
    const s = sessions.get(getCookie(c, COOKIE));
    if (!s) return c.json({ devMode: false, user: null, role: null, csrf: null, features: features() });
    return c.json({ devMode: false, user: s.user, role: s.role, csrf: s.csrf, features: features() });
  });
  app.post("/api/login", async (c) => {
    if (sessions.devMode || !opts.login) throw new ConsoleError(400, "login is off: the console runs in development mode (set console_roles)");
    const origin = c.req.header("origin");
    if (origin && new URL(origin).host !== new URL(c.req.url).host) throw new ConsoleError(403, "a login from another origin");
    const b = await readBody(c);
    const user = str(b, "user", { maxLength: 1000 });
    const password = str(b, "password", { maxLength: 1000 });
    const role = sessions.roleOf(user);
    if (!user || !(await opts.login(user, password))) throw new ConsoleError(401, "wrong user name or password");
    if (!role) throw new ConsoleError(403, `${user} has no console role (console_roles)`);
    const s = sessions.create(user, role);
    setCookie(c, COOKIE, s.id, { httpOnly: true, sameSite: "Strict", path: "/", secure: secure(c) });
    return c.json({ user, role, csrf: s.csrf });
  });
  app.post("/api/logout", (c) => {
    sessions.drop(getCookie(c, COOKIE));
    deleteCookie(c, COOKIE, { path: "/" });
    return c.json({ loggedOut: true });
  });

  // Every other API route: a session (or development mode) and, when it changes something, the CSRF token.
  app.use("/api/*", async (c, next) => {
    let csrf: string;
    if (sessions.devMode) {
      c.set("user", "development");
      c.set("role", "admin");
      c.set("clientKey", `ip:${ipOf(c)}`);
      csrf = sessions.devCsrf;
    } else {
      const s = sessions.get(getCookie(c, COOKIE));
      if (!s) throw new ConsoleError(401, "log in first");
      c.set("user", s.user);
      c.set("role", s.role);
      c.set("clientKey", `session:${s.id}`);
      csrf = s.csrf;
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && !sameToken(c.req.header("x-csrf-token"), csrf)) throw new ConsoleError(403, "missing or wrong CSRF token (x-csrf-token)", "CSRF");
    // Calls to a broker by node id need the brokers from Metadata: a fresh client learns them first.
    const client = opts.client();
    if (client.brokers.length === 0) await client.metadata([]).catch(() => {});
    await next();
  });
  const need =
    (role: Role): MiddlewareHandler<Env> =>
    async (c, next) => {
      if (!roleAtLeast(c.get("role"), role)) throw new ConsoleError(403, `this needs the ${role} role (you are ${c.get("role")})`);
      await next();
    };

  topicRoutes(app, deps, need);
  messageRoutes(app, deps, need);
  groupRoutes(app, deps, need);
  schemaRoutes(app, deps, need);
  securityRoutes(app, deps, need);
  connectRoutes(app, deps, need);

  app.get("/assets/console.js", async (c) => c.body((await assets()).js, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" }));
  app.get("/assets/console.css", async (c) => c.body((await assets()).css, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "no-cache" }));
  // The page itself for / and every client-side route (the router uses the hash).
  app.get("/", async (c) => c.html((await assets()).html));

  return { app, stats, sessions };
}
