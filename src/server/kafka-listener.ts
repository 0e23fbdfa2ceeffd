/**
 * The Kafka listener service: one `Bun.listen` per client listener (context.listeners: PLAINTEXT,
 * SSL, SASL_PLAINTEXT, SASL_SSL, each on its own port; TLS contexts from src/security/tls.ts), one
 * Connection per socket
 * (connection.ts: framing, the middleware chain, handlers, in-order responses), the
 * max_connections and connections_max_idle_ms limits, and a graceful drain on stop.
 *
 * Stop: quiesce() stops accepting; stop(graceMs) waits until every connection is quiet (nothing
 * being handled or waiting to be written) or the grace runs out, then closes them all.
 */
import type { Socket, TCPSocketListener } from "bun";
import type { BrokerContext, ListenerEndpoint } from "./context.ts";
import { usesTls } from "../security/listeners.ts";
import { effectiveMaxConnections } from "../cluster/broker-config.ts";
import { Connection } from "./connection.ts";
import { ConnectionRateQuota } from "../security/quotas.ts";
import { OperatorError, type Service } from "./lifecycle.ts";

interface SocketData {
  conn?: Connection;
}

export class KafkaListener implements Service {
  readonly name = "kafka-listener";
  readonly dependsOn: readonly string[];
  /** Bound sockets, in the order of context.listeners. */
  private bound: { endpoint: ListenerEndpoint; socket: TCPSocketListener<SocketData> }[] = [];
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;
  /** Per-IP connection creation rates (KIP-612), on the broker's quota windows. */
  private connectionRatesOnce: ConnectionRateQuota | null = null;
  private get connectionRates(): ConnectionRateQuota {
    const c = this.context.config;
    return (this.connectionRatesOnce ??= new ConnectionRateQuota(Date.now, { samples: c.quotaWindowNum, sampleWindowMs: c.quotaWindowSizeSeconds * 1000 }));
  }
  private accepting = false;
  private quietWaiter: (() => void) | null = null;

  constructor(
    private readonly context: BrokerContext,
    dependsOn: readonly string[] = [],
  ) {
    this.dependsOn = dependsOn;
  }

  /** The main listener's bound port. */
  get port(): number | undefined {
    return this.bound[0]?.socket.port;
  }

  /** The bound port of the listener named `name`. */
  portOf(name: string): number | undefined {
    return this.bound.find((b) => b.endpoint.name === name)?.socket.port;
  }

  /** "NAME://host:port" of every bound listener (just host:port for a lone PLAINTEXT listener). */
  boundAddresses(): string[] {
    const named = this.bound.length > 1 || this.bound.some((b) => b.endpoint.securityProtocol !== "PLAINTEXT");
    return this.bound.map((b) => `${named ? `${b.endpoint.name}://` : ""}${b.endpoint.bindHost}:${b.socket.port}`);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  start(): void {
    try {
      for (const endpoint of this.context.listeners) {
        const socket = this.listen(endpoint);
        this.bound.push({ endpoint, socket });
        if (endpoint.advertisedPort === 0) endpoint.advertisedPort = socket.port;
      }
    } catch (e) {
      for (const b of this.bound) b.socket.stop(true);
      this.bound = [];
      throw e;
    }
    this.accepting = true;
    this.context.advertisedPort = this.context.listeners[0]!.advertisedPort;
    this.context.security.tls?.onReload(() => this.rebindTls());
  }

  private listen(endpoint: ListenerEndpoint): TCPSocketListener<SocketData> {
    const { config, log } = this.context;
    const idleSeconds = Math.max(1, Math.ceil(config.connectionsMaxIdleMs / 1000));
    const connections = this.connections;
    const where = config.listeners === null ? `kafka_port / TAKHIN_KAFKA_PORT` : `listener ${endpoint.name} in listeners`;
    try {
      return Bun.listen<SocketData>({
        hostname: endpoint.bindHost,
        port: endpoint.bindPort,
        ...this.tlsOf(endpoint),
        socket: {
          open: (socket: Socket<SocketData>) => {
            // max.connections is a dynamic broker config: read its effective value at each accept.
            const maxConnections = effectiveMaxConnections(this.context, this.context.metadata.image);
            if (!this.accepting || connections.size >= maxConnections) {
              log.warn("refusing connection", { remote: socket.remoteAddress, reason: this.accepting ? "max_connections reached" : "stopping", maxConnections });
              socket.end();
              return;
            }
            // connection_creation_rate per IP (KIP-612, src/security/quotas.ts): over it, nothing
            // is read and the connection is closed after the throttle time (at most one window).
            const throttleMs = this.connectionRates.onConnection(this.context.metadata.image.clientQuotas, socket.remoteAddress);
            if (throttleMs > 0) {
              log.info("closing connection: connection_creation_rate quota", { remote: socket.remoteAddress, throttleMs });
              socket.pause();
              setTimeout(() => socket.end(), throttleMs).unref?.();
              return;
            }
            socket.setNoDelay(true);
            socket.timeout(idleSeconds);
            const conn = new Connection(socket as Socket<unknown>, this.context, this.nextConnectionId++, () => this.quietWaiter?.(), endpoint);
            socket.data = { conn };
            connections.add(conn);
            log.debug("connection opened", { conn: conn.info.id, remote: socket.remoteAddress, listener: endpoint.name });
          },
          handshake: (socket, success, error) => {
            const conn = socket.data?.conn;
            if (!conn) return;
            try {
              conn.onTlsHandshake(success, error);
            } catch (e) {
              log.error("closing connection: unexpected error after the TLS handshake", { conn: conn.info.id, error: e });
              conn.close();
            }
          },
          data: (socket, data) => {
            const conn = socket.data?.conn;
            if (!conn) return;
            try {
              conn.onData(data);
            } catch (e) {
              log.error("closing connection: unexpected error while reading", { conn: conn.info.id, error: e });
              conn.close();
            }
          },
          drain: (socket) => {
            socket.data?.conn?.onDrain();
          },
          timeout: (socket) => {
            const conn = socket.data?.conn;
            log.info("closing idle connection", { conn: conn?.info.id, idleMs: config.connectionsMaxIdleMs });
            conn?.close();
            socket.end();
          },
          close: (socket) => {
            const conn = socket.data?.conn;
            if (!conn) return;
            conn.onClosed();
            connections.delete(conn);
            this.quietWaiter?.();
          },
          error: (socket, error) => {
            log.warn("socket error", { conn: socket.data?.conn?.info.id, error: error.message });
          },
        },
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") throw new OperatorError(`port ${endpoint.bindPort} on ${endpoint.bindHost} is already in use (${where})`);
      if (code === "EACCES") throw new OperatorError(`no permission to listen on port ${endpoint.bindPort} on ${endpoint.bindHost} (${where})`);
      if (code === "EADDRNOTAVAIL") throw new OperatorError(`address ${endpoint.bindHost} is not an address of this machine (${config.listeners === null ? "host / TAKHIN_HOST" : where})`);
      throw e;
    }
  }

  /** Bun's tls option for an SSL / SASL_SSL listener (src/security/tls.ts); nothing for the others. */
  private tlsOf(endpoint: ListenerEndpoint): { tls?: Bun.TLSOptions } {
    if (!usesTls(endpoint.securityProtocol)) return {};
    return { tls: this.context.security.tls!.options() };
  }

  /**
   * New TLS files (tls.ts reload): each TLS listener binds a new socket on its port with them;
   * the old socket stops accepting, and the connections it accepted go on with their sessions.
   */
  private rebindTls(): void {
    if (!this.accepting) return;
    for (const b of this.bound) {
      if (!usesTls(b.endpoint.securityProtocol)) continue;
      const port = b.socket.port;
      b.socket.stop(false);
      try {
        b.socket = this.listen({ ...b.endpoint, bindPort: port });
      } catch (e) {
        this.context.log.error("listener could not bind again after the TLS reload", { listener: b.endpoint.name, port, error: e });
      }
    }
  }

  quiesce(): void {
    this.accepting = false;
    for (const b of this.bound) b.socket.stop(false);
  }

  async stop(graceMs: number): Promise<void> {
    this.quiesce();
    const deadline = Date.now() + graceMs;
    while ([...this.connections].some((c) => !c.quiet) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.quietWaiter = resolve;
        setTimeout(resolve, 50);
      });
    }
    this.quietWaiter = null;
    for (const c of this.connections) c.close();
    for (const b of this.bound) b.socket.stop(true);
  }
}
