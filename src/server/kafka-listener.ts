/**
 * The Kafka listener service: `Bun.listen` on host:kafka_port, one Connection per socket
 * (connection.ts: framing, the middleware chain, handlers, in-order responses), the
 * max_connections and connections_max_idle_ms limits, and a graceful drain on stop.
 *
 * Stop: quiesce() stops accepting; stop(graceMs) waits until every connection is quiet (nothing
 * being handled or waiting to be written) or the grace runs out, then closes them all.
 */
import type { Socket, TCPSocketListener } from "bun";
import type { BrokerContext } from "./context.ts";
import { effectiveMaxConnections } from "../cluster/broker-config.ts";
import { Connection } from "./connection.ts";
import { OperatorError, type Service } from "./lifecycle.ts";

interface SocketData {
  conn?: Connection;
}

export class KafkaListener implements Service {
  readonly name = "kafka-listener";
  readonly dependsOn: readonly string[];
  private listener: TCPSocketListener<SocketData> | null = null;
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;
  private accepting = false;
  private quietWaiter: (() => void) | null = null;

  constructor(
    private readonly context: BrokerContext,
    dependsOn: readonly string[] = [],
  ) {
    this.dependsOn = dependsOn;
  }

  get port(): number | undefined {
    return this.listener?.port;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  start(): void {
    const { config, log } = this.context;
    const idleSeconds = Math.max(1, Math.ceil(config.connectionsMaxIdleMs / 1000));
    const connections = this.connections;
    try {
      this.listener = Bun.listen<SocketData>({
        hostname: config.host,
        port: config.kafkaPort,
        socket: {
          open: (socket: Socket<SocketData>) => {
            // max.connections is a dynamic broker config: read its effective value at each accept.
            const maxConnections = effectiveMaxConnections(this.context, this.context.metadata.image);
            if (!this.accepting || connections.size >= maxConnections) {
              log.warn("refusing connection", { remote: socket.remoteAddress, reason: this.accepting ? "max_connections reached" : "stopping", maxConnections });
              socket.end();
              return;
            }
            socket.setNoDelay(true);
            socket.timeout(idleSeconds);
            const conn = new Connection(socket as Socket<unknown>, this.context, this.nextConnectionId++, () => this.quietWaiter?.());
            socket.data = { conn };
            connections.add(conn);
            log.debug("connection opened", { conn: conn.info.id, remote: socket.remoteAddress });
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
      if (code === "EADDRINUSE") throw new OperatorError(`port ${config.kafkaPort} on ${config.host} is already in use (kafka_port / TAKHIN_KAFKA_PORT)`);
      if (code === "EACCES") throw new OperatorError(`no permission to listen on port ${config.kafkaPort} on ${config.host}`);
      if (code === "EADDRNOTAVAIL") throw new OperatorError(`address ${config.host} is not an address of this machine (host / TAKHIN_HOST)`);
      throw e;
    }
    this.accepting = true;
    this.context.advertisedPort = this.listener.port;
  }

  quiesce(): void {
    this.accepting = false;
    this.listener?.stop(false);
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
    this.listener?.stop(true);
  }
}
