/**
 * Console sessions, roles and CSRF.
 *
 * Roles: viewer (reads only), editor (also topics, messages, groups, schemas, connectors), admin
 * (also ACLs and users). `console_roles` maps users to roles: "alice:admin,bob:editor,*:viewer"
 * ("*": every other user who can log in). With no map the console runs in development mode:
 * nobody logs in, everyone is admin, and the page shows a banner saying so.
 *
 * Login checks the password with the cluster itself (sasl-login.ts). A session is a random id in
 * the cookie `takhin_console` (HttpOnly, SameSite=Strict, Path=/, Secure when the console is
 * reached over https), kept in memory (at most CONSOLE_MAX_SESSIONS, idle ones forgotten after
 * CONSOLE_SESSION_IDLE_MS). Every mutating request must carry the session's CSRF token in the
 * `x-csrf-token` header (GET /api/session hands it out); development mode has one token for the
 * process. Roles are enforced here, server-side, on every route (app.ts says which role each needs).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { CONSOLE_MAX_SESSIONS, CONSOLE_SESSION_IDLE_MS } from "../limits.ts";

export type Role = "viewer" | "editor" | "admin";
export const ROLES: Role[] = ["viewer", "editor", "admin"];
export const COOKIE = "takhin_console";

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** Parses "user:role,user:role,*:role"; throws with a message naming the bad entry. */
export function parseRoles(raw: string | null | undefined): Map<string, Role> | null {
  if (raw === null || raw === undefined || raw.trim() === "") return null;
  const out = new Map<string, Role>();
  for (const entry of raw.split(",").map((e) => e.trim()).filter(Boolean)) {
    const i = entry.lastIndexOf(":");
    const user = entry.slice(0, i).trim();
    const role = entry.slice(i + 1).trim() as Role;
    if (i <= 0 || !user || !ROLES.includes(role)) throw new Error(`console_roles: "${entry}" is not USER:ROLE with ROLE one of ${ROLES.join(", ")}`);
    out.set(user, role);
  }
  return out;
}

export interface Session {
  id: string;
  user: string;
  role: Role;
  csrf: string;
  lastSeenMs: number;
}

export class Sessions {
  private readonly byId = new Map<string, Session>();
  readonly devCsrf = randomBytes(24).toString("base64url");

  constructor(readonly roles: Map<string, Role> | null) {}

  get devMode(): boolean {
    return this.roles === null;
  }

  roleOf(user: string): Role | null {
    return this.roles?.get(user) ?? this.roles?.get("*") ?? null;
  }

  create(user: string, role: Role): Session {
    if (this.byId.size >= CONSOLE_MAX_SESSIONS) {
      const oldest = [...this.byId.values()].sort((a, b) => a.lastSeenMs - b.lastSeenMs)[0];
      if (oldest) this.byId.delete(oldest.id);
    }
    const s: Session = { id: randomBytes(32).toString("base64url"), user, role, csrf: randomBytes(24).toString("base64url"), lastSeenMs: Date.now() };
    this.byId.set(s.id, s);
    return s;
  }

  get(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.byId.get(id);
    if (!s) return null;
    const now = Date.now();
    if (now - s.lastSeenMs > CONSOLE_SESSION_IDLE_MS) {
      this.byId.delete(id);
      return null;
    }
    s.lastSeenMs = now;
    return s;
  }

  drop(id: string | undefined): void {
    if (id) this.byId.delete(id);
  }
}

export function sameToken(a: string | undefined | null, b: string): boolean {
  if (!a || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
