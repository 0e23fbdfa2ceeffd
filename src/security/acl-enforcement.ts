/**
 * ACL enforcement on every API: the one table of what each request needs, applied as a request
 * middleware (server/middleware.ts) in front of the handlers, so handlers stay as they are.
 * With authorizer_enabled off, and for super users, every request passes untouched.
 *
 * The table follows where Kafka 4.4's KafkaApis / ControllerApis call the authoriser:
 *
 *   Produce (0)            TRANSACTIONAL_ID WRITE when transactional (all partitions
 *                          TRANSACTIONAL_ID_AUTHORIZATION_FAILED); TOPIC WRITE per topic
 *   Fetch (1)              a follower (replica id >= 0): CLUSTER CLUSTER_ACTION (all partitions
 *                          TOPIC_AUTHORIZATION_FAILED); a consumer: TOPIC READ per topic
 *   ListOffsets (2)        TOPIC DESCRIBE per topic
 *   Metadata (3)           TOPIC DESCRIBE per named topic (unauthorised ones answered
 *                          TOPIC_AUTHORIZATION_FAILED; for "all topics" left out); auto-creation
 *                          needs CLUSTER CREATE or TOPIC CREATE; authorized-operations computed
 *   OffsetCommit (8)       GROUP READ (every partition GROUP_AUTHORIZATION_FAILED); TOPIC READ per topic
 *   OffsetFetch (9)        GROUP DESCRIBE per group; TOPIC DESCRIBE per topic (named: the
 *                          partitions say TOPIC_AUTHORIZATION_FAILED; all: left out)
 *   FindCoordinator (10)   GROUP DESCRIBE / TRANSACTIONAL_ID DESCRIBE per key
 *   JoinGroup, Heartbeat, LeaveGroup, SyncGroup (11-14)   GROUP READ
 *   DescribeGroups (15)    GROUP DESCRIBE per group; authorized-operations computed
 *   ListGroups (16)        CLUSTER DESCRIBE lists all; else only the groups with GROUP DESCRIBE
 *   SaslHandshake, ApiVersions, SaslAuthenticate (17, 18, 36)   none
 *   CreateTopics (19)      CLUSTER CREATE, else TOPIC CREATE per topic; configs answered with
 *                          TOPIC DESCRIBE_CONFIGS only
 *   DeleteTopics (20)      TOPIC DELETE per topic
 *   DeleteRecords (21)     TOPIC DELETE per topic
 *   InitProducerId (22)    TRANSACTIONAL_ID WRITE; without one CLUSTER IDEMPOTENT_WRITE or WRITE
 *                          on some topic (authorizeByResourceType)
 *   OffsetForLeaderEpoch (23)  CLUSTER CLUSTER_ACTION allows all; else TOPIC DESCRIBE per topic
 *   AddPartitionsToTxn (24)    v0-3 TRANSACTIONAL_ID WRITE, TOPIC WRITE per topic (any refused:
 *                          nothing added, the rest OPERATION_NOT_ATTEMPTED); v4+ CLUSTER CLUSTER_ACTION
 *   AddOffsetsToTxn (25)   TRANSACTIONAL_ID WRITE, GROUP READ;  EndTxn (26) TRANSACTIONAL_ID WRITE
 *   WriteTxnMarkers (27)   CLUSTER CLUSTER_ACTION
 *   TxnOffsetCommit (28)   TRANSACTIONAL_ID WRITE, GROUP READ, TOPIC READ per topic
 *   DescribeAcls (29)      CLUSTER DESCRIBE; CreateAcls, DeleteAcls (30, 31) CLUSTER ALTER
 *   DescribeConfigs (32)   DESCRIBE_CONFIGS on the TOPIC / GROUP, on CLUSTER for BROKER and
 *                          BROKER_LOGGER resources (TOPIC_ / GROUP_ / CLUSTER_AUTHORIZATION_FAILED)
 *   AlterConfigs, IncrementalAlterConfigs (33, 44)   ALTER_CONFIGS, resources as above
 *   DescribeLogDirs (35), DescribeQuorum (55), DescribeCluster (60)   CLUSTER DESCRIBE
 *   CreatePartitions (37)  TOPIC ALTER per topic
 *   DeleteGroups (42)      GROUP DELETE per group
 *   ElectLeaders (43)      CLUSTER ALTER
 *   AlterPartitionReassignments (45) CLUSTER ALTER; ListPartitionReassignments (46) CLUSTER DESCRIBE
 *   DescribeTransactions (65)  TRANSACTIONAL_ID DESCRIBE per id (their topics: TOPIC DESCRIBE)
 *   ListTransactions (66)  lists the ids with TRANSACTIONAL_ID DESCRIBE
 *   ConsumerGroupHeartbeat (68)  GROUP READ; TOPIC DESCRIBE on each subscribed name
 *   ConsumerGroupDescribe (69)   GROUP DESCRIBE per group; authorized-operations computed
 *   OffsetDelete (47)      GROUP DELETE; TOPIC READ per topic
 *   DescribeClientQuotas (48) CLUSTER DESCRIBE_CONFIGS; AlterClientQuotas (49) CLUSTER ALTER_CONFIGS
 *   DescribeUserScramCredentials (50) CLUSTER DESCRIBE; AlterUserScramCredentials (51) CLUSTER ALTER
 *   an API without a rule  refused with CLUSTER_AUTHORIZATION_FAILED (fails closed)
 *
 * Per-resource checks split the request: the authorised part goes to the handler, the refused
 * part is answered by the API's error form (registry.errorResponse: the same builders a thrown
 * handler uses) carrying the authorisation error, and the two are merged into one response. A
 * request refused as a whole is that error form alone; Produce with acks=0 then gets no answer
 * and the connection is closed, as Kafka does.
 *
 * In a cluster CreateTopics & co. are forwarded to the active controller with the original
 * principal and client address (cluster-node.ts): they are authorised on the receiving node
 * against its replicated copy of the ACLs, and again on the controller (as Kafka's controller
 * authorises an Envelope's request), whose ACLs decide.
 */
import { ErrorCode } from "../protocol/errors.ts";
import { ZERO_UUID } from "../protocol/reader.ts";
import type { RequestContext } from "../server/context.ts";
import { CLUSTER_OPERATIONS, GROUP_OPERATIONS, TOPIC_OPERATIONS } from "../server/authorized-operations.ts";
import type { HandlerResult, RequestMiddleware } from "../server/middleware.ts";
import { NO_RESPONSE } from "../server/registry.ts";
import { AclOp, CLUSTER_NAME, ResourceType } from "./acl.ts";
import { clientHost } from "./authorizer.ts";

const R = ResourceType;

/** ConfigResource.Type codes of DescribeConfigs / AlterConfigs. */
const CONFIG_TOPIC = 2;
const CONFIG_BROKER = 4;
const CONFIG_BROKER_LOGGER = 8;
const CONFIG_GROUP = 32;

/** What a rule sees: the request's context and its authorisation questions. */
export interface Authz {
  ctx: RequestContext;
  allowed(op: number, resourceType: number, name: string): boolean;
  /** The API's error form of `request` carrying `errorCode` everywhere it can. */
  errorOf(request: unknown, errorCode: number): any;
}

type Next = () => HandlerResult;
type Rule = (a: Authz, req: any, next: Next) => HandlerResult;

/** Applies `f` to a handler result, whether a value or a Promise; NO_RESPONSE passes through. */
function then(result: HandlerResult, f: (res: any) => any): HandlerResult {
  if (result instanceof Promise) return result.then((r) => (r === NO_RESPONSE ? r : f(r)));
  return result === NO_RESPONSE ? result : f(result);
}

/** The request refused as a whole with `code` (no answer at all where the API has none). */
function refuse(a: Authz, req: any, code: number): HandlerResult {
  const res = a.errorOf(req, code);
  if (res === null) throw new AuthorizationRefused(a.ctx.api.name, code);
  return res;
}

/** Thrown where a refused request gets no response (Produce acks=0): the connection closes. */
export class AuthorizationRefused extends Error {
  /** The connection closes without an answer (server/connection.ts). */
  readonly closeConnection = true;
  constructor(api: string, readonly errorCode: number) {
    super(`${api} refused by the authoriser (error ${errorCode})`);
  }
}

/** One resource for the whole request. */
function whole(op: number, resourceType: number, nameOf: (req: any) => string, code: number): Rule {
  return (a, req, next) => (a.allowed(op, resourceType, nameOf(req)) ? next() : refuse(a, req, code));
}

const cluster = (op: number): Rule => whole(op, R.CLUSTER, () => CLUSTER_NAME, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
const group = (op: number): Rule => whole(op, R.GROUP, (req) => req.groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED);

/** Rules applied in order, each the next of the one before. */
function all(...rules: Rule[]): Rule {
  return (a, req, next) => {
    const step = (i: number, r: any): HandlerResult => (i === rules.length ? next.call(null) : rules[i]!(a, r, () => step(i + 1, r)));
    return step(0, req);
  };
}

interface Split {
  /** Request field holding the items (topics, resources, groups). */
  reqField: string | ((req: any) => string);
  /** Response field holding the per-item answers. */
  resField: string;
  /** Whether an item is refused, and with which code (0: allowed). */
  code(a: Authz, item: any, req: any): number;
}

/**
 * Per-item authorisation: the handler gets the allowed items, the error form answers the refused
 * ones (grouped by code), and both lists are merged in the response.
 */
function perItem(s: Split): Rule {
  return (a, req, next) => {
    const field = typeof s.reqField === "string" ? s.reqField : s.reqField(req);
    const items: any[] | null | undefined = req[field];
    if (!Array.isArray(items) || items.length === 0) return next();
    const allowed: any[] = [];
    const refused = new Map<number, any[]>();
    for (const it of items) {
      const code = s.code(a, it, req);
      if (code === 0) allowed.push(it);
      else {
        let l = refused.get(code);
        if (!l) refused.set(code, (l = []));
        l.push(it);
      }
    }
    if (refused.size === 0) return next();
    const errorParts = [...refused].map(([code, list]) => refuse(a, { ...req, [field]: list }, code));
    const errorItems = errorParts.flatMap((p: any) => p?.[s.resField] ?? []);
    if (allowed.length === 0) {
      // Only the items are refused: a top-level error field stays NONE, as in Kafka's answer.
      const base: any = { ...(errorParts[0] as object), [s.resField]: errorItems };
      if ("errorCode" in base) base.errorCode = ErrorCode.NONE;
      return base;
    }
    req[field] = allowed;
    return then(next(), (res) => ({ ...res, [s.resField]: [...(res[s.resField] ?? []), ...errorItems] }));
  };
}

/** The topic name of a request item: its name, else the name its topic id has in the image. */
function topicName(a: Authz, name: string | null | undefined, topicId?: string): string | null {
  if (name) return name;
  if (topicId && topicId !== ZERO_UUID) return a.ctx.broker.metadata.image.topicsById.get(topicId)?.name ?? null;
  return null;
}

/** A topic item refused with TOPIC_AUTHORIZATION_FAILED unless `op` is allowed; an unknown topic id goes to the handler. */
function topicCode(op: number, nameOf: (it: any) => string | null, a: Authz, it: any): number {
  const name = nameOf(it);
  if (name === null) return 0;
  return a.allowed(op, R.TOPIC, name) ? 0 : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
}

function topics(op: number, reqField: string, resField: string, nameOf: (a: Authz, it: any) => string | null = (_a, it) => it.name): Rule {
  return perItem({ reqField, resField, code: (a, it) => topicCode(op, (x) => nameOf(a, x), a, it) });
}

function followerId(req: any, version: number): number {
  return version >= 15 ? (req.replicaState?.replicaId ?? -1) : (req.replicaId ?? -1);
}

/** Config resources: DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic, group, or the cluster for brokers. */
function configResources(op: number, resField: string): Rule {
  return perItem({
    reqField: "resources",
    resField,
    code: (a, r) => {
      switch (r.resourceType) {
        case CONFIG_TOPIC:
          return a.allowed(op, R.TOPIC, r.resourceName) ? 0 : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        case CONFIG_GROUP:
          return a.allowed(op, R.GROUP, r.resourceName) ? 0 : ErrorCode.GROUP_AUTHORIZATION_FAILED;
        case CONFIG_BROKER:
        case CONFIG_BROKER_LOGGER:
          return a.allowed(op, R.CLUSTER, CLUSTER_NAME) ? 0 : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        default:
          return 0; // the handler answers an unknown resource type
      }
    },
  });
}

function ops(a: Authz, resourceType: number, name: string, supported: number): number {
  const b = a.ctx.broker;
  return b.authorizer.authorizedOperations(a.ctx.connection.principal, clientHost(a.ctx.connection.remoteAddress), resourceType, name, supported);
}

const metadataRule: Rule = (a, req, next) => {
  const version = a.ctx.apiVersion;
  const allTopics = req.topics === null || (version === 0 && req.topics.length === 0);
  const b = a.ctx.broker;
  const refused: any[] = [];
  if (!allTopics) {
    const keep: any[] = [];
    const autoCreate = b.config.autoCreateTopicsEnable && req.allowAutoTopicCreation !== false;
    let mayCreateAny: boolean | null = null;
    for (const t of req.topics as any[]) {
      const name = topicName(a, t.name, t.topicId);
      if (name === null) {
        keep.push(t);
        continue;
      }
      if (!a.allowed(AclOp.DESCRIBE, R.TOPIC, name)) {
        refused.push(t);
        continue;
      }
      if (autoCreate && t.name && !b.metadata.image.topic(name)) {
        mayCreateAny ??= a.allowed(AclOp.CREATE, R.CLUSTER, CLUSTER_NAME);
        if (!mayCreateAny && !a.allowed(AclOp.CREATE, R.TOPIC, name)) {
          refused.push(t);
          continue;
        }
      }
      keep.push(t);
    }
    req.topics = keep;
  }
  const errorTopics = refused.length > 0 ? (a.errorOf({ topics: refused }, ErrorCode.TOPIC_AUTHORIZATION_FAILED) as any).topics : [];
  // An empty list means "all topics" in v0: with every named topic refused the handler still
  // answers brokers and cluster, and its topics are dropped.
  const noneLeft = !allTopics && version === 0 && req.topics.length === 0;
  return then(next(), (res) => {
    let list: any[] = noneLeft ? [] : (res.topics ?? []);
    if (allTopics) list = list.filter((t) => a.allowed(AclOp.DESCRIBE, R.TOPIC, t.name));
    if (req.includeTopicAuthorizedOperations) list = list.map((t) => (t.errorCode === ErrorCode.NONE ? { ...t, topicAuthorizedOperations: ops(a, R.TOPIC, t.name, TOPIC_OPERATIONS) } : t));
    const out = { ...res, topics: [...list, ...errorTopics] };
    if (req.includeClusterAuthorizedOperations) out.clusterAuthorizedOperations = ops(a, R.CLUSTER, CLUSTER_NAME, CLUSTER_OPERATIONS);
    return out;
  });
};

const offsetFetchRule: Rule = (a, req, next) => {
  const version = a.ctx.apiVersion;
  const denyTopics = (list: any[] | null | undefined): any[] =>
    (list ?? []).map((t) =>
      a.allowed(AclOp.DESCRIBE, R.TOPIC, t.name)
        ? t
        : { ...t, partitions: (t.partitions ?? []).map((p: any) => ({ ...p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: "", errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) },
    );
  const hideTopics = (list: any[] | null | undefined): any[] => (list ?? []).filter((t) => a.allowed(AclOp.DESCRIBE, R.TOPIC, t.name));
  if (version < 8) {
    if (!a.allowed(AclOp.DESCRIBE, R.GROUP, req.groupId)) return refuse(a, req, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const named = req.topics !== null && req.topics !== undefined;
    return then(next(), (res) => ({ ...res, topics: named ? denyTopics(res.topics) : hideTopics(res.topics) }));
  }
  const groups: any[] = req.groups ?? [];
  const refusedIds = new Set(groups.filter((g) => !a.allowed(AclOp.DESCRIBE, R.GROUP, g.groupId)).map((g) => g.groupId));
  const allowedGroups = groups.filter((g) => !refusedIds.has(g.groupId));
  const namedOf = new Map(groups.map((g) => [g.groupId, g.topics !== null && g.topics !== undefined]));
  const errorGroups = [...refusedIds].map((groupId) => ({ groupId, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }));
  if (allowedGroups.length === 0) return { throttleTimeMs: 0, groups: errorGroups };
  req.groups = allowedGroups;
  return then(next(), (res) => ({
    ...res,
    groups: [...(res.groups ?? []).map((g: any) => ({ ...g, topics: namedOf.get(g.groupId) ? denyTopics(g.topics) : hideTopics(g.topics) })), ...errorGroups],
  }));
};

const findCoordinatorRule: Rule = (a, req, next) => {
  const txn = req.keyType === 1;
  const [type, code] = txn ? [R.TRANSACTIONAL_ID, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED] : [R.GROUP, ErrorCode.GROUP_AUTHORIZATION_FAILED];
  if (a.ctx.apiVersion < 4) return a.allowed(AclOp.DESCRIBE, type, req.key) ? next() : refuse(a, req, code);
  return perItem({ reqField: "coordinatorKeys", resField: "coordinators", code: (az, key) => (az.allowed(AclOp.DESCRIBE, type, key) ? 0 : code) })(a, req, next);
};

const describeGroupsRule: Rule = (a, req, next) =>
  perItem({ reqField: "groups", resField: "groups", code: (az, g) => (az.allowed(AclOp.DESCRIBE, R.GROUP, g) ? 0 : ErrorCode.GROUP_AUTHORIZATION_FAILED) })(a, req, () =>
    then(next(), (res) =>
      req.includeAuthorizedOperations ? { ...res, groups: (res.groups ?? []).map((g: any) => (g.errorCode === ErrorCode.NONE ? { ...g, authorizedOperations: ops(a, R.GROUP, g.groupId, GROUP_OPERATIONS) } : g)) } : res,
    ),
  );

const listGroupsRule: Rule = (a, _req, next) => {
  if (a.allowed(AclOp.DESCRIBE, R.CLUSTER, CLUSTER_NAME)) return next();
  return then(next(), (res) => ({ ...res, groups: (res.groups ?? []).filter((g: any) => a.allowed(AclOp.DESCRIBE, R.GROUP, g.groupId)) }));
};

/**
 * CreateTopics: CLUSTER CREATE, else TOPIC CREATE per topic. A created topic's configs (v5+) are
 * answered only with TOPIC DESCRIBE_CONFIGS; without it topicConfigErrorCode says
 * TOPIC_AUTHORIZATION_FAILED, counts -1 and no configs, as Kafka's controller does.
 */
const createTopicsRule: Rule = (a, req, next) => {
  const hideConfigs = (res: any) =>
    a.ctx.apiVersion < 5
      ? res
      : {
          ...res,
          topics: (res.topics ?? []).map((t: any) =>
            t.errorCode === ErrorCode.NONE && !a.allowed(AclOp.DESCRIBE_CONFIGS, R.TOPIC, t.name)
              ? { ...t, topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, numPartitions: -1, replicationFactor: -1, configs: [] }
              : t,
          ),
        };
  if (a.allowed(AclOp.CREATE, R.CLUSTER, CLUSTER_NAME)) return then(next(), hideConfigs);
  return topics(AclOp.CREATE, "topics", "topics")(a, req, () => then(next(), hideConfigs));
};

const initProducerIdRule: Rule = (a, req, next) => {
  if (req.transactionalId !== null && req.transactionalId !== undefined) {
    return a.allowed(AclOp.WRITE, R.TRANSACTIONAL_ID, req.transactionalId) ? next() : refuse(a, req, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  const c = a.ctx;
  const host = clientHost(c.connection.remoteAddress);
  const ok = a.allowed(AclOp.IDEMPOTENT_WRITE, R.CLUSTER, CLUSTER_NAME) || c.broker.authorizer.authorizeByResourceType(c.connection.principal, host, AclOp.WRITE, R.TOPIC);
  return ok ? next() : refuse(a, req, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
};

const produceRule: Rule = all(
  (a, req, next) =>
    req.transactionalId === null || req.transactionalId === undefined || a.allowed(AclOp.WRITE, R.TRANSACTIONAL_ID, req.transactionalId)
      ? next()
      : refuse(a, req, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
  perItem({
    reqField: "topicData",
    resField: "responses",
    code: (a, t) => {
      const name = topicName(a, t.name, t.topicId);
      return name === null || a.allowed(AclOp.WRITE, R.TOPIC, name) ? 0 : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    },
  }),
);

const fetchRule: Rule = (a, req, next) => {
  if (followerId(req, a.ctx.apiVersion) >= 0) return a.allowed(AclOp.CLUSTER_ACTION, R.CLUSTER, CLUSTER_NAME) ? next() : refuse(a, req, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  return topics(AclOp.READ, "topics", "responses", (az, t) => topicName(az, t.topic, t.topicId))(a, req, next);
};

/** OffsetForLeaderEpoch: CLUSTER_ACTION on the cluster allows every topic (brokers); else TOPIC DESCRIBE per topic (consumers, KIP-320). */
const offsetForLeaderEpochRule: Rule = (a, req, next) => {
  if (a.allowed(AclOp.CLUSTER_ACTION, R.CLUSTER, CLUSTER_NAME)) return next();
  return topics(AclOp.DESCRIBE, "topics", "topics", (_a, t) => t.topic)(a, req, next);
};

/** OffsetDelete: GROUP DELETE (refused: the top-level error alone, as Kafka), then TOPIC READ per topic. */
const offsetDeleteRule: Rule = all(
  (a, req, next) => (a.allowed(AclOp.DELETE, R.GROUP, req.groupId) ? next() : { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] }),
  topics(AclOp.READ, "topics", "topics"),
);

const deleteTopicsRule: Rule = (a, req, next) => {
  if (a.ctx.apiVersion < 6) return perItem({ reqField: "topicNames", resField: "responses", code: (az, n) => topicCode(AclOp.DELETE, () => n, az, n) })(a, req, next);
  return topics(AclOp.DELETE, "topics", "responses", (az, t) => topicName(az, t.name, t.topicId))(a, req, next);
};

const txnId = (op: number, field = "transactionalId"): Rule => whole(op, R.TRANSACTIONAL_ID, (req) => req[field], ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);

/**
 * AddPartitionsToTxn: v0-3 (a client) TRANSACTIONAL_ID WRITE, then TOPIC WRITE per topic — with any
 * topic refused nothing is added: refused topics TOPIC_AUTHORIZATION_FAILED, the others
 * OPERATION_NOT_ATTEMPTED, as Kafka; v4+ (brokers verifying) CLUSTER CLUSTER_ACTION.
 */
const addPartitionsToTxnRule: Rule = (a, req, next) => {
  if (a.ctx.apiVersion >= 4) return cluster(AclOp.CLUSTER_ACTION)(a, req, next);
  const topicsOf: any[] = req.v3AndBelowTopics ?? [];
  const answer = (codeOf: (name: string) => number) => ({
    throttleTimeMs: 0,
    resultsByTopicV3AndBelow: topicsOf.map((t) => ({ name: t.name, resultsByPartition: (t.partitions ?? []).map((p: number) => ({ partitionIndex: p, partitionErrorCode: codeOf(t.name) })) })),
  });
  if (!a.allowed(AclOp.WRITE, R.TRANSACTIONAL_ID, req.v3AndBelowTransactionalId)) return answer(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const refused = new Set(topicsOf.filter((t) => !a.allowed(AclOp.WRITE, R.TOPIC, t.name)).map((t) => t.name));
  if (refused.size === 0) return next();
  return answer((name) => (refused.has(name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.OPERATION_NOT_ATTEMPTED));
};

/** DescribeTransactions: TRANSACTIONAL_ID DESCRIBE per id; the topics of a described transaction only where TOPIC DESCRIBE is allowed. */
const describeTransactionsRule: Rule = (a, req, next) =>
  perItem({ reqField: "transactionalIds", resField: "transactionStates", code: (az, id) => (az.allowed(AclOp.DESCRIBE, R.TRANSACTIONAL_ID, id) ? 0 : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) })(a, req, () =>
    then(next(), (res) => ({
      ...res,
      transactionStates: (res.transactionStates ?? []).map((t: any) => ({ ...t, topics: (t.topics ?? []).filter((x: any) => a.allowed(AclOp.DESCRIBE, R.TOPIC, x.topic)) })),
    })),
  );

/** ListTransactions: only the transactional ids with TRANSACTIONAL_ID DESCRIBE are listed. */
const listTransactionsRule: Rule = (a, _req, next) =>
  then(next(), (res) => ({ ...res, transactionStates: (res.transactionStates ?? []).filter((t: any) => a.allowed(AclOp.DESCRIBE, R.TRANSACTIONAL_ID, t.transactionalId)) }));

/**
 * ConsumerGroupHeartbeat: GROUP READ; then TOPIC DESCRIBE on every subscribed topic name —
 * any refused: TOPIC_AUTHORIZATION_FAILED naming them, as Kafka 4.x.
 */
const consumerGroupHeartbeatRule: Rule = (a, req, next) => {
  if (!a.allowed(AclOp.READ, R.GROUP, req.groupId)) return refuse(a, req, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const refused = ((req.subscribedTopicNames ?? []) as string[]).filter((t) => !a.allowed(AclOp.DESCRIBE, R.TOPIC, t));
  if (refused.length === 0) return next();
  const res = refuse(a, req, ErrorCode.TOPIC_AUTHORIZATION_FAILED) as any;
  return { ...res, errorMessage: `The following topics are not authorized: ${refused.join(", ")}` };
};

/** ConsumerGroupDescribe: GROUP DESCRIBE per group; authorized-operations computed when asked. */
const consumerGroupDescribeRule: Rule = (a, req, next) =>
  perItem({ reqField: "groupIds", resField: "groups", code: (az, g) => (az.allowed(AclOp.DESCRIBE, R.GROUP, g) ? 0 : ErrorCode.GROUP_AUTHORIZATION_FAILED) })(a, req, () =>
    then(next(), (res) =>
      req.includeAuthorizedOperations ? { ...res, groups: (res.groups ?? []).map((g: any) => (g.errorCode === ErrorCode.NONE ? { ...g, authorizedOperations: ops(a, R.GROUP, g.groupId, GROUP_OPERATIONS) } : g)) } : res,
    ),
  );

/** The per-API table (header). */
export const ACL_RULES: ReadonlyMap<number, Rule> = new Map<number, Rule>([
  [0, produceRule],
  [1, fetchRule],
  [2, topics(AclOp.DESCRIBE, "topics", "topics")],
  [3, metadataRule],
  [8, all(group(AclOp.READ), topics(AclOp.READ, "topics", "topics"))],
  [9, offsetFetchRule],
  [10, findCoordinatorRule],
  [11, group(AclOp.READ)],
  [12, group(AclOp.READ)],
  [13, group(AclOp.READ)],
  [14, group(AclOp.READ)],
  [15, describeGroupsRule],
  [16, listGroupsRule],
  [17, (_a, _r, next) => next()],
  [18, (_a, _r, next) => next()],
  [19, createTopicsRule],
  [20, deleteTopicsRule],
  [21, topics(AclOp.DELETE, "topics", "topics")],
  [22, initProducerIdRule],
  [23, offsetForLeaderEpochRule],
  [24, addPartitionsToTxnRule],
  [25, all(txnId(AclOp.WRITE), group(AclOp.READ))],
  [26, txnId(AclOp.WRITE)],
  [27, cluster(AclOp.CLUSTER_ACTION)],
  [28, all(txnId(AclOp.WRITE), group(AclOp.READ), topics(AclOp.READ, "topics", "topics"))],
  [29, cluster(AclOp.DESCRIBE)],
  [30, cluster(AclOp.ALTER)],
  [31, cluster(AclOp.ALTER)],
  [32, configResources(AclOp.DESCRIBE_CONFIGS, "results")],
  [33, configResources(AclOp.ALTER_CONFIGS, "responses")],
  [35, cluster(AclOp.DESCRIBE)],
  [36, (_a, _r, next) => next()],
  [37, topics(AclOp.ALTER, "topics", "results")],
  [42, perItem({ reqField: "groupsNames", resField: "results", code: (a, g) => (a.allowed(AclOp.DELETE, R.GROUP, g) ? 0 : ErrorCode.GROUP_AUTHORIZATION_FAILED) })],
  [43, cluster(AclOp.ALTER)],
  [44, configResources(AclOp.ALTER_CONFIGS, "responses")],
  [45, cluster(AclOp.ALTER)],
  [46, cluster(AclOp.DESCRIBE)],
  [47, offsetDeleteRule],
  [48, cluster(AclOp.DESCRIBE_CONFIGS)],
  [49, cluster(AclOp.ALTER_CONFIGS)],
  [50, cluster(AclOp.DESCRIBE)],
  [51, cluster(AclOp.ALTER)],
  [55, cluster(AclOp.DESCRIBE)],
  [60, cluster(AclOp.DESCRIBE)],
  [65, describeTransactionsRule],
  [66, listTransactionsRule],
  [68, consumerGroupHeartbeatRule],
  [69, consumerGroupDescribeRule],
]);

/** The authorized-operations field of DescribeCluster, computed when asked (it is not in the table's checks). */
function describeClusterOps(a: Authz, req: any, res: any): any {
  return req.includeClusterAuthorizedOperations && res.errorCode === ErrorCode.NONE ? { ...res, clusterAuthorizedOperations: ops(a, R.CLUSTER, CLUSTER_NAME, CLUSTER_OPERATIONS) } : res;
}

/** The middleware: authorizer off or a super user pass untouched; otherwise the API's rule decides. */
export function aclEnforcement(): RequestMiddleware {
  return {
    name: "authorization",
    handle(ctx, request, next) {
      const authorizer = ctx.broker.authorizer;
      if (!authorizer.enabled || authorizer.isSuperUser(ctx.connection.principal)) return next();
      const host = clientHost(ctx.connection.remoteAddress);
      const principal = ctx.connection.principal;
      const handler = ctx.broker.registry.get(ctx.apiKey)!;
      const a: Authz = {
        ctx,
        allowed: (op, type, name) => authorizer.authorize(principal, host, op, type, name),
        errorOf: (req, code) => ctx.broker.registry.errorResponse(handler, req, ctx.apiVersion, code),
      };
      const rule = ACL_RULES.get(ctx.apiKey);
      if (!rule) {
        ctx.broker.log.warn("request refused: no authorisation rule for this API (fails closed)", { api: ctx.api.name });
        return refuse(a, request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      }
      const result = rule(a, request, next);
      return ctx.apiKey === 60 ? then(result, (res) => describeClusterOps(a, request, res)) : result;
    },
  };
}
