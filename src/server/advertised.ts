/**
 * What a request is told about brokers' addresses: as Kafka does, every endpoint answered (Metadata,
 * FindCoordinator, DescribeCluster, current leaders) is the one of the listener the request came in
 * on — a client on the SSL listener is sent to the SSL ports. A broker without that listener is
 * left out. Requests made inside the broker (forwarded, Admin API) use the main listener.
 */
import { liveBrokers, type LiveBroker } from "../metadata/brokers.ts";
import type { BrokerContext, ListenerEndpoint, RequestContext } from "./context.ts";

export function listenerOf(b: BrokerContext, listenerName: string | undefined): ListenerEndpoint {
  return (listenerName !== undefined ? b.listeners.find((l) => l.name === listenerName) : undefined) ?? b.listeners[0]!;
}

/** This node's advertised endpoint on the request's listener. */
export function selfEndpoint(ctx: RequestContext): { nodeId: number; host: string; port: number } {
  const l = listenerOf(ctx.broker, ctx.connection.listenerName);
  return { nodeId: ctx.broker.nodeId, host: l.advertisedHost, port: l.advertisedPort };
}

/** Live brokers with their endpoints on the request's listener. */
export function brokersFor(ctx: RequestContext): LiveBroker[] {
  const l = listenerOf(ctx.broker, ctx.connection.listenerName);
  return liveBrokers(ctx.broker.metadata.image, selfEndpoint(ctx), l.name);
}
