/** Live brokers as the image records them, in the form Metadata and DescribeCluster answer. */
import type { MetadataImage } from "./image.ts";

export interface LiveBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** Listener name of the Kafka API endpoint brokers register. */
export const KAFKA_LISTENER = "PLAINTEXT";

/**
 * Unfenced registered brokers with a Kafka endpoint, by id. `self`, when given, is this node's
 * advertised endpoint as it serves now; it is reported for this node in place of the registered
 * one (the same unless the broker's advertised address was changed while it runs). With
 * `listenerName`, each broker's endpoint of that listener; a broker without it is left out (Kafka).
 */
export function liveBrokers(image: MetadataImage, self?: { nodeId: number; host: string; port: number }, listenerName?: string): LiveBroker[] {
  const out: LiveBroker[] = [];
  for (const b of image.brokers.values()) {
    if (b.fenced) continue;
    const ep =
      b.id === self?.nodeId
        ? self
        : listenerName !== undefined
          ? b.endPoints.find((e) => e.name === listenerName)
          : (b.endPoints.find((e) => e.name === KAFKA_LISTENER) ?? b.endPoints[0]);
    if (ep) out.push({ nodeId: b.id, host: ep.host, port: ep.port, rack: b.rack });
  }
  return out.sort((a, b) => a.nodeId - b.nodeId);
}
