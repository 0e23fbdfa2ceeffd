/**
 * The authoriser: Kafka's StandardAuthorizer semantics over the ACL bindings of the metadata image
 * (AccessControlEntryRecord, replicated and durable like every record).
 *
 * authorize(principal, host, operation, resourceType, resourceName):
 *   1. authorizer_enabled off: allowed (as a Kafka broker without authorizer.class.name).
 *   2. A principal named in super_users: allowed.
 *   3. The bindings that apply to the resource: LITERAL with its name, LITERAL "*", and PREFIXED
 *      whose name is a prefix of it; of those, the ones whose principal is the request's or
 *      "User:*" and whose host is the client's address or "*".
 *   4. A DENY binding whose operation is the requested one or ALL: denied (deny wins).
 *   5. An ALLOW binding whose operation is the requested one or ALL, or implies it: DESCRIBE is
 *      implied by READ, WRITE, DELETE and ALTER; DESCRIBE_CONFIGS by ALTER_CONFIGS (implication
 *      applies to ALLOW only — a DENY of READ does not deny DESCRIBE): allowed.
 *   6. No binding at all on the resource (of any principal): allow_everyone_if_no_acl_found
 *      decides. Otherwise denied.
 *
 * authorizeByResourceType (Kafka's Authorizer.authorizeByResourceType, used where "any resource of
 * this type" suffices, e.g. InitProducerId without a transactional id): allowed when some ALLOW
 * binding of the type applies to the principal and host and no DENY binding of the type that
 * covers it (a LITERAL "*" deny, a PREFIXED deny of a prefix of its name, or the same pattern)
 * does; with no binding of the type at all, allow_everyone_if_no_acl_found decides.
 *
 * The bindings are indexed once per image (images never change), by resource type: literal names
 * in a map, prefixed patterns in a list.
 */
import type { AclEntry, MetadataImage } from "../metadata/image.ts";
import { AclOp, Permission, PatternType, WILDCARD, WILDCARD_PRINCIPAL } from "./acl.ts";
import { parsePrincipal, principalString, type KafkaPrincipal } from "./principal.ts";
import { ConfigError } from "../config/config.ts";
import { MAX_SUPER_USERS } from "../limits.ts";

export interface AuthorizerConfig {
  /** authorizer_enabled (Kafka: authorizer.class.name set). */
  enabled: boolean;
  /** super_users, as "User:name" strings. */
  superUsers: ReadonlySet<string>;
  allowEveryoneIfNoAclFound: boolean;
}

/** Operations whose ALLOW implies DESCRIBE / DESCRIBE_CONFIGS (Kafka's IMPLIES_DESCRIBE*). */
const IMPLIES_DESCRIBE: ReadonlySet<number> = new Set([AclOp.DESCRIBE, AclOp.READ, AclOp.WRITE, AclOp.DELETE, AclOp.ALTER]);
const IMPLIES_DESCRIBE_CONFIGS: ReadonlySet<number> = new Set([AclOp.DESCRIBE_CONFIGS, AclOp.ALTER_CONFIGS]);

/** Parses super_users: "User:a;User:b" (blank entries ignored). */
export function parseSuperUsers(value: string): Set<string> {
  return new Set(
    value
      .split(";")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
  );
}

/** Kafka writes an IPv4 client's address as a.b.c.d; Bun may report it IPv4-mapped. */
export function clientHost(remoteAddress: string): string {
  return remoteAddress.startsWith("::ffff:") && remoteAddress.includes(".") ? remoteAddress.slice(7) : remoteAddress;
}

interface TypeIndex {
  literal: Map<string, AclEntry[]>;
  prefixed: AclEntry[];
  all: AclEntry[];
}

const indexes = new WeakMap<ReadonlyMap<string, AclEntry>, Map<number, TypeIndex>>();

function indexOf(acls: ReadonlyMap<string, AclEntry>): Map<number, TypeIndex> {
  let idx = indexes.get(acls);
  if (idx) return idx;
  idx = new Map();
  for (const a of acls.values()) {
    let t = idx.get(a.resourceType);
    if (!t) idx.set(a.resourceType, (t = { literal: new Map(), prefixed: [], all: [] }));
    t.all.push(a);
    if (a.patternType === PatternType.PREFIXED) t.prefixed.push(a);
    else {
      let list = t.literal.get(a.resourceName);
      if (!list) t.literal.set(a.resourceName, (list = []));
      list.push(a);
    }
  }
  indexes.set(acls, idx);
  return idx;
}

/** The bindings on resource patterns that apply to (type, name), of any principal. */
export function bindingsFor(acls: ReadonlyMap<string, AclEntry>, resourceType: number, resourceName: string): AclEntry[] {
  const t = indexOf(acls).get(resourceType);
  if (!t) return [];
  const out: AclEntry[] = [];
  const lit = t.literal.get(resourceName);
  if (lit) out.push(...lit);
  if (resourceName !== WILDCARD) {
    const wild = t.literal.get(WILDCARD);
    if (wild) out.push(...wild);
  }
  for (const p of t.prefixed) if (resourceName.startsWith(p.resourceName)) out.push(p);
  return out;
}

function entryApplies(a: AclEntry, principal: string, host: string): boolean {
  return (a.principal === principal || a.principal === WILDCARD_PRINCIPAL) && (a.host === WILDCARD || a.host === host);
}

/** StandardAuthorizerData.findResult: ALLOW, DENY or null (the binding says nothing about `op`). */
function resultOf(a: AclEntry, op: number): "allow" | "deny" | null {
  if (a.operation !== AclOp.ALL) {
    if (a.permissionType === Permission.ALLOW) {
      if (op === AclOp.DESCRIBE) {
        if (!IMPLIES_DESCRIBE.has(a.operation)) return null;
      } else if (op === AclOp.DESCRIBE_CONFIGS) {
        if (!IMPLIES_DESCRIBE_CONFIGS.has(a.operation)) return null;
      } else if (a.operation !== op) return null;
    } else if (a.operation !== op) return null;
  }
  return a.permissionType === Permission.ALLOW ? "allow" : "deny";
}

export class Authorizer {
  constructor(
    readonly config: AuthorizerConfig,
    /** The current metadata image (its ACL bindings). */
    private readonly image: () => MetadataImage,
  ) {}

  get enabled(): boolean {
    return this.config.enabled;
  }

  isSuperUser(principal: KafkaPrincipal | string): boolean {
    return this.config.superUsers.has(typeof principal === "string" ? principal : principalString(principal));
  }

  authorize(principal: KafkaPrincipal | string, host: string, op: number, resourceType: number, resourceName: string): boolean {
    if (!this.config.enabled) return true;
    const p = typeof principal === "string" ? principal : principalString(principal);
    if (this.config.superUsers.has(p)) return true;
    const bindings = bindingsFor(this.image().acls, resourceType, resourceName);
    let allowed = false;
    for (const a of bindings) {
      if (!entryApplies(a, p, host)) continue;
      const r = resultOf(a, op);
      if (r === "deny") return false;
      if (r === "allow") allowed = true;
    }
    if (allowed) return true;
    return bindings.length === 0 && this.config.allowEveryoneIfNoAclFound;
  }

  authorizeByResourceType(principal: KafkaPrincipal | string, host: string, op: number, resourceType: number): boolean {
    if (!this.config.enabled) return true;
    const p = typeof principal === "string" ? principal : principalString(principal);
    if (this.config.superUsers.has(p)) return true;
    const t = indexOf(this.image().acls).get(resourceType);
    if (!t || t.all.length === 0) return this.config.allowEveryoneIfNoAclFound;
    const applying = t.all.filter((a) => entryApplies(a, p, host));
    const denies = applying.filter((a) => resultOf(a, op) === "deny");
    if (denies.some((d) => d.patternType === PatternType.LITERAL && d.resourceName === WILDCARD)) return false;
    for (const a of applying) {
      if (resultOf(a, op) !== "allow") continue;
      const covered = denies.some(
        (d) =>
          (d.patternType === PatternType.PREFIXED && a.resourceName.startsWith(d.resourceName)) ||
          (d.patternType === a.patternType && d.resourceName === a.resourceName),
      );
      if (!covered) return true;
    }
    return false;
  }

  /**
   * The KIP-430 bit field of `supported` operations (each a bit 1 << code) the principal may
   * perform on the resource.
   */
  authorizedOperations(principal: KafkaPrincipal | string, host: string, resourceType: number, resourceName: string, supported: number): number {
    let out = 0;
    for (let op = AclOp.READ; op <= AclOp.TWO_PHASE_COMMIT; op++) {
      if ((supported & (1 << op)) !== 0 && this.authorize(principal, host, op, resourceType, resourceName)) out |= 1 << op;
    }
    return out;
  }
}

/**
 * The authoriser of a broker's configuration: authorizer_enabled, super_users (each entry must
 * be "Type:name"; at most MAX_SUPER_USERS) and allow_everyone_if_no_acl_found.
 */
export function authorizerFromConfig(
  config: { authorizerEnabled: boolean; superUsers: string | null; allowEveryoneIfNoAclFound: boolean },
  image: () => MetadataImage,
): Authorizer {
  const superUsers = parseSuperUsers(config.superUsers ?? "");
  if (superUsers.size > MAX_SUPER_USERS) throw new ConfigError(`super_users: at most ${MAX_SUPER_USERS} principals (MAX_SUPER_USERS), got ${superUsers.size}`);
  for (const u of superUsers) {
    if (parsePrincipal(u) === null) throw new ConfigError(`super_users: ${JSON.stringify(u)} is not a principal; accepts "User:name" entries separated by ';'`);
  }
  return new Authorizer({ enabled: config.authorizerEnabled, superUsers, allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound }, image);
}
