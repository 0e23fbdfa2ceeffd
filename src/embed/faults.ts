/**
 * Fault rules for users' tests (types/api.d.ts `Faults`), installed on one broker or on every node
 * of a cluster through the broker's two hook points: ReplicaManager.produceFaults (per-partition
 * produce errors, before or after the append) and the request fault middleware
 * (src/server/fault-hooks.ts: delays, dropped connections, a paused group coordinator).
 *
 * A rule is shared by the nodes it applies to, so `count` counts requests cluster-wide. A hook is
 * installed while at least one rule is set and removed with the last one: a broker without faults
 * runs exactly as one that never had any.
 */
import type { Broker } from "../server/broker.ts";
import { FAULT_MIDDLEWARE, requestFaultMiddleware, type RequestFault } from "../server/fault-hooks.ts";
import type { RequestContext } from "../server/context.ts";
import type { ProduceFault } from "../cluster/replica-manager.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { Faults, PauseGroupOptions, ProduceFaultOptions, RequestFaultFilter } from "./types/api.d.ts";

/** The group coordinator's APIs, answered with the pause's error while it lasts (FindCoordinator still answers). */
export const GROUP_COORDINATOR_APIS: ReadonlySet<number> = new Set([8, 9, 11, 12, 13, 14, 15, 28, 42, 47, 68, 69]);

export function errorCodeOf(code: number | string | undefined, fallback: number): number {
  if (code === undefined) return fallback;
  if (typeof code === "number") {
    if (!Object.values(ErrorCode).includes(code as never)) throw new Error(`unknown Kafka error code ${code}`);
    return code;
  }
  const n = (ErrorCode as Record<string, number>)[code];
  if (n === undefined) throw new Error(`unknown Kafka error name ${code}`);
  return n;
}

interface ProduceRule {
  topic: string;
  partition: number;
  remaining: number;
  fault: ProduceFault;
}

interface RequestRule {
  remaining: number;
  nodeId: number | undefined;
  matches(ctx: RequestContext, request: unknown): boolean;
  fault: RequestFault;
}

function countOf(n: number | undefined): number {
  const c = n ?? 1;
  if (!(c >= 1)) throw new Error(`count must be at least 1, not ${n}`);
  return c;
}

function namesGroup(request: unknown, groupId: string): boolean {
  const r = request as { groupId?: unknown; groups?: unknown; groupsNames?: unknown };
  if (r.groupId === groupId) return true;
  for (const list of [r.groups, r.groupsNames]) {
    if (!Array.isArray(list)) continue;
    if (list.some((g) => g === groupId || (g as { groupId?: unknown })?.groupId === groupId)) return true;
  }
  return false;
}

export class FaultSet implements Faults {
  private produceRules: ProduceRule[] = [];
  private requestRules: RequestRule[] = [];

  constructor(private readonly brokers: () => Broker[]) {}

  private apiKeyOf(api: number | string | undefined): number | undefined {
    if (api === undefined || typeof api === "number") return api;
    const registry = this.brokers()[0]!.context.registry;
    for (const v of registry.versions()) if (registry.get(v.apiKey)!.api.name === api) return v.apiKey;
    throw new Error(`unknown Kafka API ${api}`);
  }

  /** Installs or removes the hooks on every node so that they are present exactly while rules exist. */
  private sync(): void {
    for (const b of this.brokers()) {
      const replicas = b.context.replicas;
      if (this.produceRules.length === 0) replicas.produceFaults = null;
      else {
        replicas.produceFaults = (topic, partition) => {
          const rule = this.produceRules.find((r) => r.topic === topic && r.partition === partition);
          if (!rule) return null;
          if (--rule.remaining <= 0) {
            this.produceRules = this.produceRules.filter((r) => r !== rule);
            queueMicrotask(() => this.sync());
          }
          return rule.fault;
        };
      }
      const chain = b.context.middleware;
      const installed = chain.names().includes(FAULT_MIDDLEWARE);
      if (this.requestRules.length === 0 && installed) chain.remove(FAULT_MIDDLEWARE);
      if (this.requestRules.length > 0 && !installed) {
        chain.use(
          requestFaultMiddleware((ctx, request) => {
            const rule = this.requestRules.find((r) => (r.nodeId === undefined || r.nodeId === ctx.broker.nodeId) && r.matches(ctx, request));
            if (!rule) return null;
            if (--rule.remaining <= 0) {
              this.requestRules = this.requestRules.filter((r) => r !== rule);
              queueMicrotask(() => this.sync());
            }
            return rule.fault;
          }),
          { position: "first" },
        );
      }
    }
  }

  private addRequestRule(rule: RequestRule): () => Promise<void> {
    this.requestRules.push(rule);
    this.sync();
    return async () => {
      this.requestRules = this.requestRules.filter((r) => r !== rule);
      this.sync();
    };
  }

  private requestMatcher(filter: RequestFaultFilter): (ctx: RequestContext) => boolean {
    const apiKey = this.apiKeyOf(filter.api);
    const clientId = filter.clientId;
    return (ctx) => (apiKey === undefined || ctx.apiKey === apiKey) && (clientId === undefined || ctx.clientId === clientId);
  }

  async failProduce(topic: string, options: ProduceFaultOptions = {}): Promise<() => Promise<void>> {
    const errorCode = errorCodeOf(options.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (errorCode === ErrorCode.NONE) throw new Error("failProduce needs an error code other than NONE");
    const rule: ProduceRule = {
      topic,
      partition: options.partition ?? 0,
      remaining: countOf(options.count),
      fault: { errorCode, errorMessage: `injected by the test (error ${errorCode})`, afterAppend: options.afterAppend === true },
    };
    this.produceRules.push(rule);
    this.sync();
    return async () => {
      this.produceRules = this.produceRules.filter((r) => r !== rule);
      this.sync();
    };
  }

  async delayResponses(delayMs: number, filter: RequestFaultFilter = {}): Promise<() => Promise<void>> {
    if (!(delayMs >= 0) || !Number.isFinite(delayMs)) throw new Error(`delayMs must be a finite number >= 0, not ${delayMs}`);
    return this.addRequestRule({ remaining: countOf(filter.count), nodeId: filter.nodeId, matches: this.requestMatcher(filter), fault: { kind: "delay", delayMs } });
  }

  async dropConnection(filter: RequestFaultFilter = {}): Promise<() => Promise<void>> {
    return this.addRequestRule({ remaining: countOf(filter.count), nodeId: filter.nodeId, matches: this.requestMatcher(filter), fault: { kind: "drop", reason: "connection dropped by a test fault" } });
  }

  async pauseGroupCoordinator(options: PauseGroupOptions = {}): Promise<() => Promise<void>> {
    const errorCode = errorCodeOf(options.errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const groupId = options.groupId;
    return this.addRequestRule({
      remaining: Number.POSITIVE_INFINITY,
      nodeId: options.nodeId,
      matches: (ctx, request) => GROUP_COORDINATOR_APIS.has(ctx.apiKey) && (groupId === undefined || namesGroup(request, groupId)),
      fault: { kind: "error", errorCode },
    });
  }

  async clearAll(): Promise<void> {
    this.produceRules = [];
    this.requestRules = [];
    this.sync();
  }
}
