/**
 * The service lifecycle: the broker is a list of named services (storage, metadata, coordinators,
 * the Kafka listener, later the Admin API, Schema Registry, HTTP proxy, console) that a
 * `ServiceHost` starts in dependency order and stops in reverse.
 *
 *   add(service)*  ->  startAll()  ->  [serving]  ->  stopAll(graceMs)
 *
 * Each service reports its health: starting -> ready, or starting -> failed; ready -> stopped.
 * When one fails to start, the host marks it failed, stops the services already started in
 * reverse order and throws a ServiceStartError naming it; nothing is left half-open.
 *
 * Stopping is two passes, both in reverse start order: `quiesce()` on every service first (stop
 * taking new work: a listener stops accepting, a coordinator answers what it holds back), then
 * `stop(graceMs)` (drain, close, flush). The first pass lets a listener's drain finish quickly
 * even when a coordinator holds a request open (a JoinGroup waiting for members).
 */
import type { Logger } from "../util/log.ts";

export type ServiceHealth = "starting" | "ready" | "failed" | "stopped";

export interface Service {
  /** Unique, lower case with dashes (kafka-listener); used in logs and start errors. */
  readonly name: string;
  /** Services that must be ready before this one starts (they stop after it). */
  readonly dependsOn?: readonly string[];
  start(): void | Promise<void>;
  /** Stop taking new work; optional. */
  quiesce?(): void | Promise<void>;
  /** Release everything; `graceMs` bounds how long in-flight work may still take. */
  stop(graceMs: number): void | Promise<void>;
  /** The port it listens on once started, for services that have one. */
  readonly port?: number;
}

export interface ServiceStatus {
  name: string;
  health: ServiceHealth;
  port?: number;
  /** Why it failed (start or stop), when it did. */
  error?: string;
  startMs?: number;
}

/** A service did not start; `service` names it, the message is one line for the operator. */
export class ServiceStartError extends Error {
  override name = "ServiceStartError";
  constructor(
    readonly service: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${service}: ${message}`, options);
  }
}

/**
 * An error whose message is already the one line an operator should read (a busy port, a data
 * directory owned by another node or locked by another broker): no stack trace is useful.
 */
export class OperatorError extends Error {
  override name = "OperatorError";
}

interface Entry {
  service: Service;
  status: ServiceStatus;
}

export class ServiceHost {
  private readonly entries: Entry[] = [];
  /** Services in the order they were started (dependency order). */
  private started: Entry[] = [];
  private state: "new" | "starting" | "running" | "stopping" | "stopped" = "new";

  constructor(private readonly log: Logger) {}

  add(service: Service): this {
    if (this.state !== "new") throw new Error(`cannot add service ${service.name} after start`);
    if (this.entries.some((e) => e.service.name === service.name)) throw new Error(`service ${service.name} added twice`);
    this.entries.push({ service, status: { name: service.name, health: "stopped" } });
    return this;
  }

  get<T extends Service = Service>(name: string): T | undefined {
    return this.entries.find((e) => e.service.name === name)?.service as T | undefined;
  }

  /** Every service with its health and port, in start order. */
  status(): ServiceStatus[] {
    return this.order().map((e) => ({ ...e.status, ...(e.service.port !== undefined && e.status.health === "ready" ? { port: e.service.port } : {}) }));
  }

  /** True when every service is ready. */
  get ready(): boolean {
    return this.state === "running" && this.entries.every((e) => e.status.health === "ready");
  }

  /** Dependencies first; among independent services, the order they were added. */
  private order(): Entry[] {
    const byName = new Map(this.entries.map((e) => [e.service.name, e]));
    const out: Entry[] = [];
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (e: Entry, path: string[]) => {
      const name = e.service.name;
      if (done.has(name)) return;
      if (visiting.has(name)) throw new Error(`service dependency cycle: ${[...path, name].join(" -> ")}`);
      visiting.add(name);
      for (const dep of e.service.dependsOn ?? []) {
        const d = byName.get(dep);
        if (!d) throw new Error(`service ${name} depends on unknown service ${dep}`);
        visit(d, [...path, name]);
      }
      visiting.delete(name);
      done.add(name);
      out.push(e);
    };
    for (const e of this.entries) visit(e, []);
    return out;
  }

  async startAll(): Promise<void> {
    if (this.state !== "new") throw new Error("services already started");
    this.state = "starting";
    for (const e of this.order()) {
      const t0 = performance.now();
      e.status = { name: e.service.name, health: "starting" };
      try {
        await e.service.start();
      } catch (err) {
        e.status = { name: e.service.name, health: "failed", error: messageOf(err) };
        // An operator's error (busy port, locked data directory) is its own one-line message; others keep their stack.
        if (err instanceof OperatorError) this.log.debug("service failed to start; stopping the ones already started", { service: e.service.name, error: err.message });
        else this.log.error("service failed to start; stopping the ones already started", { service: e.service.name, error: err });
        await this.stopStarted(0);
        this.state = "stopped";
        throw err instanceof ServiceStartError ? err : new ServiceStartError(e.service.name, messageOf(err), { cause: err });
      }
      e.status = { name: e.service.name, health: "ready", startMs: Math.round((performance.now() - t0) * 10) / 10 };
      this.started.push(e);
      this.log.debug("service ready", { service: e.service.name, startMs: e.status.startMs });
    }
    this.state = "running";
  }

  /** Stops every started service in reverse order; idempotent; a failing stop is logged and the rest still stop. */
  async stopAll(graceMs: number): Promise<void> {
    if (this.state === "stopping" || this.state === "stopped") return;
    this.state = "stopping";
    await this.stopStarted(graceMs);
    this.state = "stopped";
  }

  private async stopStarted(graceMs: number): Promise<void> {
    const reversed = [...this.started].reverse();
    for (const e of reversed) {
      try {
        await e.service.quiesce?.();
      } catch (err) {
        this.log.error("service failed to quiesce", { service: e.service.name, error: err });
      }
    }
    for (const e of reversed) {
      try {
        await e.service.stop(graceMs);
        e.status = { name: e.service.name, health: "stopped" };
      } catch (err) {
        e.status = { name: e.service.name, health: "failed", error: messageOf(err) };
        this.log.error("service failed to stop", { service: e.service.name, error: err });
      }
    }
    this.started = [];
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
