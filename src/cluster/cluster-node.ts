/**
 * A node of a multi-node cluster (process_roles set; see docs/cluster.md): the Raft metadata
 * quorum (metadata-quorum.ts), the broker's view of the metadata (a ClusterController: the image
 * the quorum committed, read through the same LocalController seam every handler already uses),
 * broker registration and heartbeats, fencing on the active controller, and admin requests run
 * on (or forwarded to) the active controller.
 *
 * ## Controller RPC (over the controller listener, raft-wire.ts `{"rpc": ...}` frames)
 *   request:  {"id": <int>, "kind": "register" | "heartbeat" | "admin", "body": {...}}
 *   response: {"re": <id>, "ok": true, "body": {...}}  |  {"re": <id>, "ok": false, "error": "<text>", "code": <Kafka error code>, "controllerId": <int>}
 *   register  {brokerId, incarnationId, endPoints, rack}           -> {brokerEpoch}
 *   heartbeat {brokerId, incarnationId}                             -> {registered, fenced}
 *   admin     {apiKey, version, clientId, request, principal, host}  -> {response}
 * (principal and host: who sent the request to the receiving broker, "User:alice" and the client's
 * address, as Kafka's Envelope carries the principal; the controller runs the request as them.)
 * Requests go to the active controller on the sender's outbound connection; the answer comes
 * back on the controller's connection to the sender. Admin request and response bodies are the
 * decoded Kafka messages in tagged JSON (bigint as {"$n": "<decimal>"}, bytes as {"$b": "<base64>"}).
 * Kafka brokers forward admin requests inside Envelope (58) to the controller; this is the same
 * forwarding over Takhin's own channel (the quorum speaks src/raft's protocol, not KRaft's).
 * Only voters reach this channel, so every broker of a cluster is a combined node for now.
 *
 * ## Broker lifecycle
 * At start a broker registers with a new incarnation id (retried until a controller accepts it;
 * a live registration of the same node id with another incarnation is refused with
 * DUPLICATE_BROKER_REGISTRATION until its session expires), then heartbeats every
 * heartbeatIntervalMs. The active controller fences a broker whose last heartbeat is older than
 * sessionTimeoutMs (decisions.ts moves its leaderships; with one replica the partition is left
 * leaderless, -1) and unfences it on its next heartbeat. A new active controller gives every broker
 * a full session before fencing it.
 */
import { RESIGN_RPC, ResignError, resignLeaderRecords } from "./replication/corruption-healer.ts";
import { usableBrokers } from "../metadata/decisions.ts";
import { createHash, randomBytes } from "node:crypto";
import type { BrokerConfig } from "../config/config.ts";
import { LocalController } from "../metadata/controller.ts";
import { fenceBrokerRecords, registerAndReelectRecords, unfenceBrokerRecords } from "../metadata/decisions.ts";
import type { MetadataImage } from "../metadata/image.ts";
import type { MetadataLog } from "../metadata/metadata-log.ts";
import type { Endpoint, MetadataRecord } from "../metadata/records.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { ConnectionInfo, RequestContext } from "../server/context.ts";
import type { Handler, HandlerRegistry } from "../server/registry.ts";
import type { Logger } from "../util/log.ts";
import type { ClusterConfig } from "./cluster-config.ts";
import { requestControlledShutdown, serveControlledShutdown, type ControlledShutdownResult } from "./controlled-shutdown.ts";
import { MetadataQuorum, NotControllerError } from "./metadata-quorum.ts";
import { TopicRegistry } from "./topics.ts";
import { serveAlterPartition } from "./replication/alter-partition.ts";
import { serveAllocateProducerIds } from "./producer-id-blocks.ts";
import { ANONYMOUS, parsePrincipal, principalString } from "../security/principal.ts";
import { aclEnforcement } from "../security/acl-enforcement.ts";

export const CLUSTER_DEFAULTS = {
  heartbeatIntervalMs: 500,
  sessionTimeoutMs: 3000,
  rpcTimeoutMs: 5000,
  registrationTimeoutMs: 60_000,
  maxPendingRpcs: 1024,
} as const;

/** Kafka admin APIs that change metadata: run on the active controller (forwarded from others). */
export const FORWARDED_APIS: readonly number[] = [19 /* CreateTopics */, 20 /* DeleteTopics */, 33 /* AlterConfigs */, 37 /* CreatePartitions */, 44 /* IncrementalAlterConfigs */, 55 /* DescribeQuorum */, 43 /* ElectLeaders */, 45 /* AlterPartitionReassignments */, 46 /* ListPartitionReassignments */, 30 /* CreateAcls */, 31 /* DeleteAcls */, 51 /* AlterUserScramCredentials */, 49 /* AlterClientQuotas */];

/**
 * The cluster id every node derives from the voter ids (Kafka formats storage with one; see
 * docs/cluster.md). Ids only, not addresses: a node may reach a peer through another address (a
 * proxy, a NAT) than the peer's own voter entry, and every node must still derive the same id.
 */
export function clusterIdOf(cluster: ClusterConfig): string {
  const voters = [...cluster.voters].sort((a, b) => a.id - b.id).map((v) => v.id).join(",");
  return createHash("sha256").update(`takhin-cluster:${voters}`).digest().subarray(0, 16).toString("base64url");
}

function incarnation(): string {
  return randomBytes(16).toString("base64url");
}

class RpcError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly controllerId: number,
  ) {
    super(message);
  }
}

/** Tagged JSON for decoded Kafka messages (header). */
export function toTaggedJson(v: unknown): string {
  // The holder's own value, not `x`: JSON.stringify has already turned a Buffer (a request's bytes
  // field decoded from a socket frame is one) into {type, data} by its toJSON before the replacer runs.
  return JSON.stringify(v, function (this: Record<string, unknown>, k, x) {
    const own = this[k];
    if (own instanceof Uint8Array) return { $b: Buffer.from(own.buffer, own.byteOffset, own.byteLength).toString("base64") };
    return typeof x === "bigint" ? { $n: x.toString() } : x;
  });
}

export function fromTaggedJson(s: string): unknown {
  return JSON.parse(s, (_k, x) => {
    if (x && typeof x === "object" && !Array.isArray(x)) {
      const keys = Object.keys(x);
      if (keys.length === 1 && keys[0] === "$n" && typeof x.$n === "string" && /^-?\d{1,20}$/.test(x.$n)) return BigInt(x.$n);
      if (keys.length === 1 && keys[0] === "$b" && typeof x.$b === "string") return new Uint8Array(Buffer.from(x.$b, "base64"));
    }
    return x;
  });
}

/** A MetadataLog that keeps what is appended (the records an admin request decides on a scratch image). */
class CapturingLog {
  readonly records: MetadataRecord[] = [];
  wantsRewrite = false;
  append(_offset: number, records: readonly MetadataRecord[]): void {
    this.records.push(...records);
  }
  rewrite(): void {}
  close(): void {}
}

/**
 * The broker's controller seam in a cluster: its image is the one the quorum committed (adopted
 * on every applied batch); a change asked of it directly cannot be committed synchronously and
 * is refused with NotControllerError (admin requests go through ClusterNode.admin instead).
 */
export class ClusterController extends LocalController {
  constructor(
    nodeId: number,
    image: MetadataImage,
    private readonly quorum: MetadataQuorum,
  ) {
    super(nodeId, new CapturingLog() as unknown as MetadataLog, image);
  }

  override get controllerId(): number {
    return this.quorum.controllerId;
  }

  override commit(): never {
    throw new NotControllerError("metadata changes in a cluster are decided by the active controller through the quorum", this.quorum.controllerId);
  }
}

interface PendingRpc {
  resolve: (body: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface ClusterNodeOptions {
  config: BrokerConfig;
  cluster: ClusterConfig;
  clusterId: string;
  dir: string;
  log: Logger;
  heartbeatIntervalMs?: number;
  sessionTimeoutMs?: number;
}

export class ClusterNode {
  readonly quorum: MetadataQuorum;
  readonly controller: ClusterController;
  private readonly pending = new Map<number, PendingRpc>();
  private nextRpcId = 1;
  private readonly heartbeatIntervalMs: number;
  private readonly sessionTimeoutMs: number;
  /** Active controller only: broker id -> last heartbeat (ms, monotonic). */
  private readonly lastSeen = new Map<number, number>();
  private readonly fencing = new Set<number>();
  private leaderTerm = -1;
  private livenessTimer: ReturnType<typeof setInterval> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private incarnationId = "";
  private registrationApplied = false;
  private readonly registrationListeners: (() => void)[] = [];
  private registration: { endPoints: Endpoint[]; rack: string | null } | null = null;
  private registering: Promise<void> | null = null;
  private closed = false;
  /** Set by wrapAdminHandlers: runs a forwarded admin request here. */
  private runForwarded: ((apiKey: number, version: number, clientId: string | null, request: unknown, from: ConnectionInfo) => Promise<unknown>) | null = null;

  private constructor(
    private readonly o: ClusterNodeOptions,
    quorum: MetadataQuorum,
  ) {
    this.quorum = quorum;
    this.heartbeatIntervalMs = o.heartbeatIntervalMs ?? CLUSTER_DEFAULTS.heartbeatIntervalMs;
    this.sessionTimeoutMs = o.sessionTimeoutMs ?? CLUSTER_DEFAULTS.sessionTimeoutMs;
    this.controller = new ClusterController(o.config.nodeId, quorum.image, quorum);
    quorum.listen((image, changes, previous) => {
      this.controller.adopt(image, changes, previous);
      if (!this.registrationApplied && this.registeredIn(image)) {
        this.registrationApplied = true;
        this.o.log.info("broker registration applied", { broker: this.o.config.nodeId, brokerEpoch: String(image.brokers.get(this.o.config.nodeId)?.epoch) });
        for (const l of this.registrationListeners) l();
      }
    });
  }

  /**
   * Whether `image` holds this process's own registration (this incarnation). Until it does, the
   * broker does not act on the partitions the image gives it (it neither leads nor follows, and
   * answers NOT_LEADER_OR_FOLLOWER): the image it restarted with may still name its previous
   * incarnation as a leader, and acting on that would lead that epoch again with whatever log the
   * restart left (a machine crash loses the page cache), before the controller fenced the old
   * incarnation (which it does before it accepts the new one: DUPLICATE_BROKER_REGISTRATION until
   * the old session expires, then decisions.ts registerAndReelectRecords). Kafka's broker likewise
   * serves nothing until it has caught up with the metadata log past its own registration
   * (BrokerServer waits for the lifecycle manager's initial catch-up before it opens its listeners).
   */
  registeredIn(image: MetadataImage = this.controller.image): boolean {
    return this.incarnationId !== "" && image.brokers.get(this.o.config.nodeId)?.incarnationId === this.incarnationId;
  }

  /** `l` runs once, when the applied image first holds this incarnation's registration. */
  onRegistrationApplied(l: () => void): void {
    if (this.registrationApplied) l();
    else this.registrationListeners.push(l);
  }

  static async start(o: ClusterNodeOptions): Promise<ClusterNode> {
    let node: ClusterNode | null = null;
    const listener = o.cluster.controllerListener!;
    const quorum = await MetadataQuorum.start({
      nodeId: o.config.nodeId,
      voters: o.cluster.voters,
      clusterId: o.clusterId,
      dir: o.dir,
      listenHost: listener.host === "" ? "0.0.0.0" : listener.host,
      listenPort: listener.port,
      log: o.log.child({ component: "quorum" }),
      onRpc: (from, body) => node?.onRpc(from, body),
    });
    node = new ClusterNode(o, quorum);
    node.livenessTimer = setInterval(() => node!.checkLiveness(), Math.max(50, Math.floor(node.heartbeatIntervalMs / 2)));
    return node;
  }

  // ---------------------------------------------------------------- RPC

  call(kind: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const target = this.quorum.controllerId;
    if (target < 0) return Promise.reject(new RpcError("no active controller is known", ErrorCode.NOT_CONTROLLER, -1));
    if (target === this.o.config.nodeId) return this.serve(kind, body, this.o.config.nodeId);
    if (this.pending.size >= CLUSTER_DEFAULTS.maxPendingRpcs) return Promise.reject(new RpcError("too many controller requests in flight", ErrorCode.NOT_CONTROLLER, target));
    const id = this.nextRpcId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError(`controller ${target} did not answer ${kind} within ${CLUSTER_DEFAULTS.rpcTimeoutMs} ms`, ErrorCode.NOT_CONTROLLER, target));
      }, CLUSTER_DEFAULTS.rpcTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      if (!this.quorum.sendRpc(target, { id, kind, body })) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new RpcError(`controller ${target} is not a voter this node can reach`, ErrorCode.NOT_CONTROLLER, target));
      }
    });
  }

  private onRpc(from: number, msg: Record<string, unknown>): void {
    if (typeof msg.re === "number") {
      const p = this.pending.get(msg.re);
      if (!p) return; // late answer to a timed-out call
      this.pending.delete(msg.re);
      clearTimeout(p.timer);
      if (msg.ok === true && typeof msg.body === "object" && msg.body !== null) p.resolve(msg.body as Record<string, unknown>);
      else p.reject(new RpcError(String(msg.error ?? "controller request failed"), typeof msg.code === "number" ? msg.code : ErrorCode.UNKNOWN_SERVER_ERROR, typeof msg.controllerId === "number" ? msg.controllerId : -1));
      return;
    }
    if (typeof msg.id !== "number" || typeof msg.kind !== "string" || typeof msg.body !== "object" || msg.body === null) {
      this.o.log.warn("controller rpc: malformed request dropped", { from });
      return;
    }
    const id = msg.id;
    this.serve(msg.kind, msg.body as Record<string, unknown>, from).then(
      (body) => this.quorum.sendRpc(from, { re: id, ok: true, body }),
      (e: unknown) => {
        const code = e instanceof RpcError ? e.code : e instanceof NotControllerError ? ErrorCode.NOT_CONTROLLER : ErrorCode.UNKNOWN_SERVER_ERROR;
        this.quorum.sendRpc(from, { re: id, ok: false, error: (e as Error).message, code, controllerId: this.quorum.controllerId });
      },
    );
  }

  /** Serves one controller request (here: this node must be the active controller). */
  private async serve(kind: string, body: Record<string, unknown>, from: number): Promise<Record<string, unknown>> {
    if (!this.quorum.isActiveController) throw new RpcError(`node ${this.o.config.nodeId} is not the active controller`, ErrorCode.NOT_CONTROLLER, this.quorum.controllerId);
    switch (kind) {
      case "register":
        return this.serveRegister(body, from);
      case "heartbeat":
        return this.serveHeartbeat(body);
      case "controlledShutdown":
        return serveControlledShutdown(this.quorum, body, from);
      case "alterPartition":
        return serveAlterPartition((decide) => this.quorum.submit(decide), body, from);
      case RESIGN_RPC:
        return this.quorum
          .submit((image) => ({ records: resignLeaderRecords(image, body, from, (id) => usableBrokers(image).includes(id)), result: {} }))
          .catch((e: unknown) => {
            throw e instanceof ResignError ? new RpcError(e.message, e.code, this.quorum.controllerId) : e;
          });
      case "allocateProducerIds":
        return serveAllocateProducerIds((decide) => this.quorum.submit(decide), body, from);
      case "admin": {
        if (!this.runForwarded) throw new RpcError("admin forwarding is not set up", ErrorCode.UNKNOWN_SERVER_ERROR, this.quorum.controllerId);
        const { apiKey, version, clientId, request, principal, host } = body as { apiKey: number; version: number; clientId: string | null; request: string; principal?: unknown; host?: unknown };
        if (typeof apiKey !== "number" || !FORWARDED_APIS.includes(apiKey) || typeof version !== "number" || typeof request !== "string") {
          throw new RpcError("malformed forwarded admin request", ErrorCode.INVALID_REQUEST, this.quorum.controllerId);
        }
        // The original principal (a node of an older build sends none: ANONYMOUS, as before).
        const who = typeof principal === "string" ? parsePrincipal(principal) : ANONYMOUS;
        if (who === null) throw new RpcError("malformed forwarded principal", ErrorCode.INVALID_REQUEST, this.quorum.controllerId);
        const from: ConnectionInfo = { id: -1, remoteAddress: typeof host === "string" ? host : "forwarded", principal: who };
        const response = await this.runForwarded(apiKey, version, typeof clientId === "string" ? clientId : null, fromTaggedJson(request), from);
        return { response: toTaggedJson(response) };
      }
      default:
        throw new RpcError(`unknown controller request ${kind}`, ErrorCode.INVALID_REQUEST, this.quorum.controllerId);
    }
  }

  private async serveRegister(body: Record<string, unknown>, from: number): Promise<Record<string, unknown>> {
    const { brokerId, incarnationId, endPoints, rack } = body as { brokerId: number; incarnationId: string; endPoints: Endpoint[]; rack: string | null };
    if (brokerId !== from) throw new RpcError(`node ${from} cannot register broker ${brokerId}`, ErrorCode.INVALID_REQUEST, this.quorum.controllerId);
    if (typeof incarnationId !== "string" || !/^[A-Za-z0-9_-]{22}$/.test(incarnationId) || !Array.isArray(endPoints) || endPoints.length > 16) {
      throw new RpcError("malformed registration", ErrorCode.INVALID_REQUEST, this.quorum.controllerId);
    }
    return this.quorum.submit((image, ctx) => {
      const existing = image.brokers.get(brokerId);
      if (existing?.incarnationId === incarnationId) return { records: [], result: { brokerEpoch: existing.epoch.toString() } };
      const seen = this.lastSeen.get(brokerId);
      if (existing && !existing.fenced && seen !== undefined && performance.now() - seen < this.sessionTimeoutMs) {
        throw new RpcError(
          `node id ${brokerId} is registered with another incarnation whose session has not expired (broker_session_timeout ${this.sessionTimeoutMs} ms)`,
          ErrorCode.DUPLICATE_BROKER_REGISTRATION,
          this.quorum.controllerId,
        );
      }
      this.lastSeen.set(brokerId, performance.now());
      const epoch = BigInt(ctx.nextIndex);
      return { records: registerAndReelectRecords(image, brokerId, incarnationId, epoch, endPoints, typeof rack === "string" ? rack : null), result: { brokerEpoch: epoch.toString() } };
    });
  }

  private async serveHeartbeat(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { brokerId, incarnationId } = body as { brokerId: number; incarnationId: string };
    const reg = this.quorum.image.brokers.get(brokerId);
    if (!reg || reg.incarnationId !== incarnationId) return { registered: false, fenced: true };
    this.lastSeen.set(brokerId, performance.now());
    if (reg.fenced && !this.fencing.has(brokerId)) {
      this.fencing.add(brokerId);
      try {
        await this.quorum.submit((image) => ({ records: image.brokers.get(brokerId)?.incarnationId === incarnationId ? unfenceBrokerRecords(image, brokerId) : [], result: null }));
        this.o.log.info("broker unfenced", { broker: brokerId });
      } finally {
        this.fencing.delete(brokerId);
      }
    }
    return { registered: true, fenced: this.quorum.image.brokers.get(brokerId)?.fenced ?? true };
  }

  /** Active controller: fences brokers whose session expired. */
  private checkLiveness(): void {
    if (this.closed || !this.quorum.isActiveController) return;
    const now = performance.now();
    if (this.leaderTerm !== this.quorum.term) {
      // A new active controller: every broker gets a full session from now.
      this.leaderTerm = this.quorum.term;
      this.lastSeen.clear();
    }
    for (const b of this.quorum.image.brokers.values()) {
      if (b.fenced || this.fencing.has(b.id)) continue;
      const seen = this.lastSeen.get(b.id);
      if (seen === undefined) {
        this.lastSeen.set(b.id, now);
        continue;
      }
      if (now - seen <= this.sessionTimeoutMs) continue;
      this.fencing.add(b.id);
      const silentMs = Math.round(now - seen);
      this.quorum
        .submit((image) => ({ records: fenceBrokerRecords(image, b.id), result: null }))
        .then(
          () => this.o.log.warn("broker fenced: no heartbeat within the session timeout", { broker: b.id, silentMs, sessionTimeoutMs: this.sessionTimeoutMs }),
          (e) => this.o.log.warn("fencing a broker failed; retried", { broker: b.id, error: (e as Error).message }),
        )
        .finally(() => this.fencing.delete(b.id));
    }
  }

  // ---------------------------------------------------------------- broker side

  /** Registers this broker (new incarnation) and starts heartbeating; resolves once registered. */
  register(endPoints: Endpoint[], rack: string | null): Promise<void> {
    this.incarnationId = incarnation();
    this.registration = { endPoints, rack };
    const deadline = performance.now() + CLUSTER_DEFAULTS.registrationTimeoutMs;
    const p = this.registerUntil(deadline).then(() => {
      this.heartbeatTimer ??= setInterval(() => this.heartbeat(), this.heartbeatIntervalMs);
    });
    return p;
  }

  private async registerUntil(deadline: number): Promise<void> {
    let lastError = "";
    let delayMs = 50;
    while (!this.closed) {
      try {
        await this.call("register", { brokerId: this.o.config.nodeId, incarnationId: this.incarnationId, endPoints: this.registration!.endPoints, rack: this.registration!.rack });
        this.o.log.info("broker registered", { broker: this.o.config.nodeId, controller: this.quorum.controllerId, incarnationId: this.incarnationId });
        return;
      } catch (e) {
        const msg = (e as Error).message;
        if (msg !== lastError) this.o.log.info("broker registration pending", { reason: msg });
        lastError = msg;
      }
      if (performance.now() > deadline) throw new Error(`broker registration: no controller accepted it within ${CLUSTER_DEFAULTS.registrationTimeoutMs} ms (${lastError})`);
      await Bun.sleep(delayMs);
      delayMs = Math.min(1000, delayMs * 2);
    }
  }

  private heartbeat(): void {
    if (this.closed || this.registering) return;
    this.call("heartbeat", { brokerId: this.o.config.nodeId, incarnationId: this.incarnationId }).then(
      (r) => {
        if (r.registered === false && !this.registering && !this.closed) {
          // The controller does not know this incarnation (e.g. its registration was lost): register again.
          this.registering = this.registerUntil(performance.now() + CLUSTER_DEFAULTS.registrationTimeoutMs)
            .catch((e) => this.o.log.error("broker re-registration failed", { error: e }))
            .finally(() => (this.registering = null));
        }
      },
      () => {}, // no controller right now: the next heartbeat tries again
    );
  }

  // ---------------------------------------------------------------- admin requests

  /**
   * Puts the metadata-changing admin handlers behind the active controller: on it, the original
   * handler runs against a scratch copy of the committed image whose changes are captured and
   * committed as one batch through the quorum (so every Kafka check and error of topic-admin.ts
   * applies unchanged); elsewhere the decoded request is forwarded to it. With no reachable
   * controller the request is answered NOT_CONTROLLER.
   */
  wrapAdminHandlers(registry: HandlerRegistry): void {
    const inner = new Map<number, Handler>();
    for (const key of FORWARDED_APIS) {
      const h = registry.get(key);
      if (!h) continue;
      inner.set(key, h);
      registry.replace({
        ...h,
        handle: (ctx, request, version) => this.admin(registry, h, ctx, request, version),
      });
    }
    let broker: RequestContext["broker"] | null = null;
    const authorizeForwarded = aclEnforcement();
    this.runForwarded = async (apiKey, version, clientId, request, from) => {
      const h = inner.get(apiKey)!;
      if (version < h.minVersion || version > h.maxVersion) throw new RpcError(`version ${version} of API ${apiKey} is not served`, ErrorCode.UNSUPPORTED_VERSION, this.quorum.controllerId);
      if (!broker) throw new RpcError("broker context not ready", ErrorCode.NOT_CONTROLLER, -1);
      const ctx: RequestContext = { broker, connection: from, api: h.api, apiKey, apiVersion: version, correlationId: 0, clientId };
      // Authorised again here, as Kafka's controller authorises an Envelope's request with the
      // principal it carries: the controller's ACLs decide (the receiving node's copy may lag).
      return await authorizeForwarded.handle(ctx, request, () => this.decideAdmin(h, ctx, request, version));
    };
    this.setBroker = (b) => (broker = b);
  }

  /** The broker context forwarded requests run in (set by the composition root). */
  setBroker: (b: RequestContext["broker"]) => void = () => {};

  private async admin(registry: HandlerRegistry, h: Handler, ctx: RequestContext, request: unknown, version: number): Promise<unknown> {
    try {
      if (this.quorum.isActiveController) return await this.decideAdmin(h, ctx, request, version);
      const r = await this.call("admin", {
        apiKey: ctx.apiKey,
        version,
        clientId: ctx.clientId,
        request: toTaggedJson(request),
        principal: principalString(ctx.connection.principal),
        host: ctx.connection.remoteAddress,
      });
      return fromTaggedJson(String(r.response));
    } catch (e) {
      const code = e instanceof RpcError ? e.code : e instanceof NotControllerError ? ErrorCode.NOT_CONTROLLER : null;
      if (code === null) throw e;
      ctx.broker.log.info("admin request not decided", { api: h.api.name, reason: (e as Error).message });
      const res = registry.errorResponse(h, request, version, code);
      if (res === null) throw e;
      return res;
    }
  }

  private decideAdmin(h: Handler, ctx: RequestContext, request: unknown, version: number): Promise<unknown> {
    return this.quorum.submit((image) => {
      const log = new CapturingLog();
      const scratch = new LocalController(this.o.config.nodeId, log as unknown as MetadataLog, image);
      scratch.limits = this.controller.limits;
      const topics = new TopicRegistry(scratch);
      const result = h.handle({ ...ctx, broker: { ...ctx.broker, metadata: scratch, topics } }, request, version);
      if (result instanceof Promise) throw new Error(`${h.api.name} handler is asynchronous; it cannot decide on the controller`);
      return { records: log.records, result };
    });
  }

  /** Stops heartbeating and has the controller move this broker's leaderships (controlled-shutdown.ts). */
  controlledShutdown(timeoutMs?: number): Promise<ControlledShutdownResult> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    if (this.closed || !this.incarnationId) return Promise.resolve({ done: false, leadershipsMoved: 0, leaderless: 0, elapsedMs: 0, reason: "not registered" });
    return requestControlledShutdown({ quorum: this.quorum, brokerId: this.o.config.nodeId, incarnationId: this.incarnationId, call: (k, b) => this.call(k, b), log: this.o.log, timeoutMs });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error("node stopping"));
    }
    this.pending.clear();
    await this.quorum.close();
  }
}
