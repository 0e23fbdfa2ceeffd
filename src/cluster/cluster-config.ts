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
 * `listeners` means every interface (`host`). Each listener's security protocol comes from
 * `listener_security_protocol_map` (src/security/listeners.ts): PLAINTEXT, SSL, SASL_PLAINTEXT or
 * SASL_SSL. A broker serves every listener that is not a controller listener, each on its own port;
 * the inter-broker and controller listeners must be PLAINTEXT (the internal client has no TLS/SASL).
 *
 * ## One node
 * With none of process_roles, controller_quorum_voters, controller_listener_names and
 * inter_broker_listener_name set the node is what it always was — a combined broker and controller
 * forming a quorum of one, no controller listener — and `clusterConfigOf` returns `standalone: true`.
 * It serves `listeners` when set (several named client listeners), else PLAINTEXT on
 * `host`/`kafka_port`. Setting one of those four keys asks for a cluster, and then `process_roles`
 * and `controller_quorum_voters` are required.
 *
 * ## Defaults in cluster mode
 * `listeners` unset: `PLAINTEXT://<host>:<kafka_port>` for a broker, plus, for a controller,
 * `CONTROLLER://<host>:<its port in controller_quorum_voters>`. The one non-controller listener is
 * the inter-broker listener; every non-controller listener is a client listener the node binds.
 * `advertised_listeners` unset: `listeners` with a wildcard host replaced by advertised_host.
 */
import { ConfigError, type BrokerConfig } from "../config/config.ts";
import { parseSecurityProtocolMap, type SecurityProtocol } from "../security/listeners.ts";

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
  /** The node's main Kafka API listener (the inter-broker one in a cluster; the first one alone), if a broker. */
  readonly kafkaListener: ListenerAddress | null;
  /** Every listener the broker serves Kafka clients on (all but the controller listeners). */
  readonly clientListeners: readonly ListenerAddress[];
  /** Each listener's security protocol (listener_security_protocol_map). */
  readonly securityProtocols: ReadonlyMap<string, SecurityProtocol>;
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
  const anySet = cfg.processRoles !== null || cfg.controllerQuorumVoters !== null || cfg.controllerListenerNames !== null || cfg.interBrokerListenerName !== null;
  if (!anySet) return standaloneConfig(cfg);
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
  if (isBroker && clientListeners.length === 0) {
    throw new ConfigError(`listeners: a broker needs a client listener besides the controller listeners; got none`);
  }
  if (!isBroker && clientListeners.length > 0) {
    throw new ConfigError(`listeners has client listener ${clientListeners[0]!.name} but process_roles has no broker role`);
  }
  if (isBroker && !clientListeners.some((l) => l.name === interBrokerName)) {
    throw new ConfigError(`inter_broker_listener_name ${interBrokerName} is not among listeners (${listeners.map((l) => l.name).join(", ")})`);
  }
  const controllerListener = controllerListeners[0] ?? null;
  if (controllerListener && self && controllerListener.port !== 0 && controllerListener.port !== self.port) {
    throw new ConfigError(
      `listeners: controller listener ${controllerListener.name} is on port ${controllerListener.port} but controller_quorum_voters says ${self.id}@${self.host}:${self.port}`,
    );
  }

  const advertised = advertisedOf(cfg, listeners);
  const protocols = protocolsOf(cfg, listeners, [...controllerListeners.map((l) => l.name), ...(isBroker ? [interBrokerName] : [])]);
  return {
    standalone: false,
    nodeId: cfg.nodeId,
    roles,
    voters,
    listeners,
    advertisedListeners: advertised,
    controllerListenerNames: controllerNames,
    interBrokerListenerName: interBrokerName,
    kafkaListener: clientListeners.find((l) => l.name === interBrokerName) ?? null,
    clientListeners,
    securityProtocols: protocols,
    controllerListener,
  };
}

/** One node: `listeners` (all client listeners) or PLAINTEXT on host/kafka_port. */
function standaloneConfig(cfg: BrokerConfig): ClusterConfig {
  const listeners = cfg.listeners !== null ? parseListeners("listeners", cfg.listeners, true) : [{ name: "PLAINTEXT", host: cfg.host, port: cfg.kafkaPort }];
  const protocols = protocolsOf(cfg, listeners, []);
  return {
    standalone: true,
    nodeId: cfg.nodeId,
    roles: new Set<ProcessRole>(["broker", "controller"]),
    voters: [],
    listeners,
    advertisedListeners: advertisedOf(cfg, listeners),
    controllerListenerNames: [],
    interBrokerListenerName: listeners[0]!.name,
    kafkaListener: listeners[0]!,
    clientListeners: listeners,
    securityProtocols: protocols,
    controllerListener: null,
  };
}

/** advertised_listeners, completed by `listeners` with a wildcard host replaced by advertised_host. */
function advertisedOf(cfg: BrokerConfig, listeners: readonly ListenerAddress[]): ListenerAddress[] {
  const advertise = (l: ListenerAddress): ListenerAddress => (WILDCARD_HOSTS.has(l.host) ? { ...l, host: cfg.advertisedHost } : l);
  if (cfg.advertisedListeners === null) return listeners.map(advertise);
  const advertised = parseListeners("advertised_listeners", cfg.advertisedListeners, false);
  for (const a of advertised) {
    if (!listeners.some((l) => l.name === a.name)) throw new ConfigError(`advertised_listeners names ${a.name}, which is not among listeners (${listeners.map((l) => l.name).join(", ")})`);
    if (WILDCARD_HOSTS.has(a.host)) throw new ConfigError(`advertised_listeners: ${a.name} advertises the wildcard address ${a.host}; name a host clients can reach`);
  }
  for (const l of listeners) if (!advertised.some((a) => a.name === l.name)) advertised.push(advertise(l));
  return advertised;
}

/** Every listener's protocol; the `plaintextOnly` listeners (inter-node transports) must be PLAINTEXT. */
function protocolsOf(cfg: BrokerConfig, listeners: readonly ListenerAddress[], plaintextOnly: readonly string[]): Map<string, SecurityProtocol> {
  const map = parseSecurityProtocolMap(cfg.listenerSecurityProtocolMap);
  const out = new Map<string, SecurityProtocol>();
  for (const l of listeners) {
    let p = map.get(l.name);
    // Kafka maps a controller listener missing from the default map to PLAINTEXT.
    if (p === undefined && cfg.listenerSecurityProtocolMap === null && plaintextOnly.includes(l.name)) p = "PLAINTEXT";
    if (p === undefined) {
      throw new ConfigError(`listener ${l.name} has no security protocol in listener_security_protocol_map (${[...map].map(([k, v]) => `${k}:${v}`).join(",")}); add ${l.name}:PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL`);
    }
    if (plaintextOnly.includes(l.name) && p !== "PLAINTEXT") {
      throw new ConfigError(`listener ${l.name} carries traffic between nodes and must be PLAINTEXT for now (listener_security_protocol_map says ${p}); secure the client listeners`);
    }
    out.set(l.name, p);
  }
  return out;
}
