/**
 * The cluster part of a node's configuration: its roles, the controller quorum and its named
 * listeners, parsed from the keys of config.ts and checked against each other at start. Every
 * error is a ConfigError naming the key (and the value) at fault.
 *
 * ## Grammar (as Kafka's broker properties, dots as underscores)
 *   process_roles             := role ("," role)*          role := "broker" | "controller"
 *   controller_quorum_voters  := voter ("," voter)*        voter := nodeId "@" host ":" port
 *   listeners                 := listener ("," listener)*  listener := NAME "://" [host] ":" port
 *   advertised_listeners      := the same grammar; names must be among `listeners`
 *   controller_listener_names := NAME ("," NAME)*          (default CONTROLLER; the first is used)
 *   inter_broker_listener_name:= NAME                      (default PLAINTEXT)
 * Names are case-insensitive and kept upper-case; hosts may be `[v6]`; an empty host in
 * `listeners` means every interface. Every listener speaks PLAINTEXT (no TLS/SASL yet).
 *
 * ## One node
 * With none of the cluster keys set the node is what it always was — a combined broker and
 * controller forming a quorum of one, serving clients on `host`/`kafka_port`, no controller
 * listener — and `clusterConfigOf` returns `standalone: true`. Setting any cluster key asks for a
 * cluster, and then `process_roles` and `controller_quorum_voters` are required.
 *
 * ## Defaults in cluster mode
 * `listeners` unset: `PLAINTEXT://<host>:<kafka_port>` for a broker, plus, for a controller,
 * `CONTROLLER://<host>:<its port in controller_quorum_voters>`. The one non-controller listener is
 * the Kafka API listener (Takhin binds one client listener); its host/port replace host/kafka_port.
 * `advertised_listeners` unset: `listeners` with a wildcard host replaced by advertised_host.
 */
import { ConfigError, type BrokerConfig } from "../config/config.ts";

export type ProcessRole = "broker" | "controller";

export interface ListenerAddress {
  /** Upper-case listener name. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export interface QuorumVoter {
  /** Kafka node id. */
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

export interface ClusterConfig {
  /** No cluster key set: one node exactly as before (no controller listener, quorum of one). */
  readonly standalone: boolean;
  readonly nodeId: number;
  readonly roles: ReadonlySet<ProcessRole>;
  readonly voters: readonly QuorumVoter[];
  readonly listeners: readonly ListenerAddress[];
  readonly advertisedListeners: readonly ListenerAddress[];
  readonly controllerListenerNames: readonly string[];
  readonly interBrokerListenerName: string;
  /** The Kafka API listener (the one listener that is not a controller listener), if a broker. */
  readonly kafkaListener: ListenerAddress | null;
  /** The listener the controller transport binds (the first controller listener), if a controller. */
  readonly controllerListener: ListenerAddress | null;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Bounds on list lengths, so a config file cannot make start-up do unbounded work. */
export const MAX_QUORUM_VOTERS = 64;
export const MAX_LISTENERS = 16;

function bad(key: string, raw: string, why: string): ConfigError {
  return new ConfigError(`invalid value ${JSON.stringify(raw)} for ${key}: ${why}`);
}

function parsePort(key: string, raw: string, text: string, min: number): number {
  if (!/^\d{1,5}$/.test(text)) throw bad(key, raw, `port ${JSON.stringify(text)} is not a number`);
  const port = Number(text);
  if (port < min || port > 65535) throw bad(key, raw, `port ${port} is outside ${min}-65535`);
  return port;
}

/** "host:port" or "[v6]:port"; an empty host only where `allowEmptyHost`. */
function parseHostPort(key: string, raw: string, text: string, allowEmptyHost: boolean, minPort: number): { host: string; port: number } {
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") throw bad(key, raw, `malformed address ${JSON.stringify(text)}; expected [ipv6]:port`);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) throw bad(key, raw, `malformed address ${JSON.stringify(text)}; expected host:port`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(":")) throw bad(key, raw, `malformed address ${JSON.stringify(text)}; write an IPv6 host as [host]:port`);
  }
  if (host.length === 0 && !allowEmptyHost) throw bad(key, raw, `address ${JSON.stringify(text)} has no host`);
  if (/\s/.test(host)) throw bad(key, raw, `host ${JSON.stringify(host)} contains white space`);
  return { host, port: parsePort(key, raw, portText, minPort) };
}

function items(key: string, raw: string, max: number): string[] {
  const parts = raw.split(",").map((s) => s.trim());
  if (parts.some((p) => p.length === 0)) throw bad(key, raw, "empty list element");
  if (parts.length > max) throw bad(key, raw, `more than ${max} elements`);
  return parts;
}

export function parseProcessRoles(key: string, raw: string): Set<ProcessRole> {
  const out = new Set<ProcessRole>();
  for (const p of items(key, raw, 2)) {
    const role = p.toLowerCase();
    if (role !== "broker" && role !== "controller") throw bad(key, raw, `unknown role ${JSON.stringify(p)}; accepts broker, controller or broker,controller`);
    if (out.has(role)) throw bad(key, raw, `role ${role} given twice`);
    out.add(role);
  }
  return out;
}

export function parseQuorumVoters(key: string, raw: string): QuorumVoter[] {
  const out: QuorumVoter[] = [];
  for (const p of items(key, raw, MAX_QUORUM_VOTERS)) {
    const at = p.indexOf("@");
    if (at < 0) throw bad(key, raw, `voter ${JSON.stringify(p)} is not id@host:port`);
    const idText = p.slice(0, at);
    if (!/^\d{1,10}$/.test(idText) || Number(idText) > 2 ** 31 - 1) throw bad(key, raw, `voter id ${JSON.stringify(idText)} is not an integer from 0 to ${2 ** 31 - 1}`);
    const id = Number(idText);
    const { host, port } = parseHostPort(key, raw, p.slice(at + 1), false, 1);
    if (out.some((v) => v.id === id)) throw bad(key, raw, `duplicate voter id ${id}`);
    if (out.some((v) => v.host === host && v.port === port)) throw bad(key, raw, `two voters at ${host}:${port}`);
    out.push({ id, host, port });
  }
  return out;
}

export function parseListeners(key: string, raw: string, allowEmptyHost: boolean): ListenerAddress[] {
  const out: ListenerAddress[] = [];
  for (const p of items(key, raw, MAX_LISTENERS)) {
    const sep = p.indexOf("://");
    if (sep < 0) throw bad(key, raw, `listener ${JSON.stringify(p)} is not NAME://host:port`);
    const nameText = p.slice(0, sep);
    if (!NAME.test(nameText)) throw bad(key, raw, `listener name ${JSON.stringify(nameText)} must be letters, digits and _ starting with a letter`);
    const name = nameText.toUpperCase();
    const { host, port } = parseHostPort(key, raw, p.slice(sep + 3), allowEmptyHost, 0);
    if (out.some((l) => l.name === name)) throw bad(key, raw, `listener name ${name} given twice`);
    if (out.some((l) => l.port === port && port !== 0 && l.host === host)) throw bad(key, raw, `two listeners on ${host}:${port}`);
    out.push({ name, host, port });
  }
  return out;
}

function parseNames(key: string, raw: string): string[] {
  const out: string[] = [];
  for (const p of items(key, raw, MAX_LISTENERS)) {
    if (!NAME.test(p)) throw bad(key, raw, `listener name ${JSON.stringify(p)} must be letters, digits and _ starting with a letter`);
    const n = p.toUpperCase();
    if (out.includes(n)) throw bad(key, raw, `listener name ${n} given twice`);
    out.push(n);
  }
  return out;
}

const WILDCARD_HOSTS = new Set(["", "0.0.0.0", "::"]);

/** Parses and cross-checks the cluster keys of `cfg`; throws ConfigError naming the key at fault. */
export function clusterConfigOf(cfg: BrokerConfig): ClusterConfig {
  const anySet =
    cfg.processRoles !== null ||
    cfg.controllerQuorumVoters !== null ||
    cfg.listeners !== null ||
    cfg.advertisedListeners !== null ||
    cfg.controllerListenerNames !== null ||
    cfg.interBrokerListenerName !== null;
  if (!anySet) {
    const kafka = { name: "PLAINTEXT", host: cfg.host, port: cfg.kafkaPort };
    return {
      standalone: true,
      nodeId: cfg.nodeId,
      roles: new Set<ProcessRole>(["broker", "controller"]),
      voters: [],
      listeners: [kafka],
      advertisedListeners: [{ name: "PLAINTEXT", host: cfg.advertisedHost, port: cfg.kafkaPort }],
      controllerListenerNames: [],
      interBrokerListenerName: "PLAINTEXT",
      kafkaListener: kafka,
      controllerListener: null,
    };
  }
  if (cfg.processRoles === null) throw new ConfigError("process_roles is required once any cluster key is set (broker, controller or broker,controller)");
  if (cfg.controllerQuorumVoters === null) throw new ConfigError("controller_quorum_voters is required once any cluster key is set (id@host:port,...)");
  const roles = parseProcessRoles("process_roles", cfg.processRoles);
  const voters = parseQuorumVoters("controller_quorum_voters", cfg.controllerQuorumVoters);
  const isController = roles.has("controller");
  const isBroker = roles.has("broker");
  const self = voters.find((v) => v.id === cfg.nodeId);
  if (isController && !self) {
    throw new ConfigError(`node_id ${cfg.nodeId} has the controller role but is not in controller_quorum_voters (${voters.map((v) => v.id).join(", ")})`);
  }
  if (!isController && self) {
    throw new ConfigError(`node_id ${cfg.nodeId} is in controller_quorum_voters but process_roles (${cfg.processRoles}) has no controller role`);
  }
  const controllerNames = cfg.controllerListenerNames === null ? ["CONTROLLER"] : parseNames("controller_listener_names", cfg.controllerListenerNames);
  const interBroker = cfg.interBrokerListenerName === null ? ["PLAINTEXT"] : parseNames("inter_broker_listener_name", cfg.interBrokerListenerName);
  if (interBroker.length !== 1) throw bad("inter_broker_listener_name", cfg.interBrokerListenerName!, "exactly one listener name");
  const interBrokerName = interBroker[0]!;
  if (controllerNames.includes(interBrokerName)) {
    throw new ConfigError(`inter_broker_listener_name ${interBrokerName} is also in controller_listener_names; brokers and controllers need distinct listeners`);
  }

  let listeners: ListenerAddress[];
  if (cfg.listeners !== null) {
    listeners = parseListeners("listeners", cfg.listeners, true);
  } else {
    listeners = [];
    if (isBroker) listeners.push({ name: interBrokerName, host: cfg.host, port: cfg.kafkaPort });
    if (isController) listeners.push({ name: controllerNames[0]!, host: cfg.host, port: self!.port });
  }
  const controllerListeners = listeners.filter((l) => controllerNames.includes(l.name));
  const clientListeners = listeners.filter((l) => !controllerNames.includes(l.name));
  if (isController && controllerListeners.length === 0) {
    throw new ConfigError(`listeners has no controller listener (controller_listener_names: ${controllerNames.join(", ")}); a controller needs one`);
  }
  if (!isController && controllerListeners.length > 0) {
    throw new ConfigError(`listeners has controller listener ${controllerListeners[0]!.name} but process_roles has no controller role`);
  }
  if (isBroker && clientListeners.length !== 1) {
    throw new ConfigError(
      `listeners: a broker serves exactly one client listener besides the controller listeners; got ${clientListeners.map((l) => l.name).join(", ") || "none"}`,
    );
  }
  if (!isBroker && clientListeners.length > 0) {
    throw new ConfigError(`listeners has client listener ${clientListeners[0]!.name} but process_roles has no broker role`);
  }
  if (isBroker && clientListeners[0]!.name !== interBrokerName) {
    throw new ConfigError(`inter_broker_listener_name ${interBrokerName} is not among listeners (${listeners.map((l) => l.name).join(", ")})`);
  }
  const controllerListener = controllerListeners[0] ?? null;
  if (controllerListener && self && controllerListener.port !== 0 && controllerListener.port !== self.port) {
    throw new ConfigError(
      `listeners: controller listener ${controllerListener.name} is on port ${controllerListener.port} but controller_quorum_voters says ${self.id}@${self.host}:${self.port}`,
    );
  }

  let advertised: ListenerAddress[];
  const advertise = (l: ListenerAddress): ListenerAddress => (WILDCARD_HOSTS.has(l.host) ? { ...l, host: cfg.advertisedHost } : l);
  if (cfg.advertisedListeners !== null) {
    advertised = parseListeners("advertised_listeners", cfg.advertisedListeners, false);
    for (const a of advertised) {
      if (!listeners.some((l) => l.name === a.name)) throw new ConfigError(`advertised_listeners names ${a.name}, which is not among listeners (${listeners.map((l) => l.name).join(", ")})`);
      if (WILDCARD_HOSTS.has(a.host)) throw new ConfigError(`advertised_listeners: ${a.name} advertises the wildcard address ${a.host}; name a host clients can reach`);
    }
    for (const l of listeners) if (!advertised.some((a) => a.name === l.name)) advertised.push(advertise(l));
  } else {
    advertised = listeners.map(advertise);
  }
  return {
    standalone: false,
    nodeId: cfg.nodeId,
    roles,
    voters,
    listeners,
    advertisedListeners: advertised,
    controllerListenerNames: controllerNames,
    interBrokerListenerName: interBrokerName,
    kafkaListener: clientListeners[0] ?? null,
    controllerListener,
  };
}
