/**
 * Creates an internal topic (__consumer_offsets) in a cluster the way a client's CreateTopics
 * would: a CreateTopics v7 request run on the active controller (ClusterNode.call "admin", which
 * runs it here when this node is the controller and forwards it otherwise), so every check of
 * topic-admin.ts applies and the topic is one committed metadata batch. Kafka's brokers do the same
 * (AutoTopicCreationManager sends CreateTopics to the controller).
 */
import { fromTaggedJson, toTaggedJson, type ClusterNode } from "./cluster-node.ts";

const CREATE_TOPICS_API_KEY = 19;
const CREATE_TOPICS_VERSION = 7;
const CREATE_TIMEOUT_MS = 30_000;

/** Resolves with the topic's CreateTopics error code; rejects when no controller answered (NOT_CONTROLLER, timeout). */
export async function createTopicOnController(node: ClusterNode, name: string, numPartitions: number, replicationFactor: number, configs: Record<string, string>): Promise<number> {
  const request = {
    topics: [{ name, numPartitions, replicationFactor, assignments: [], configs: Object.entries(configs).map(([k, value]) => ({ name: k, value })) }],
    timeoutMs: CREATE_TIMEOUT_MS,
    validateOnly: false,
  };
  const r = await node.call("admin", { apiKey: CREATE_TOPICS_API_KEY, version: CREATE_TOPICS_VERSION, clientId: "takhin-group-coordinator", request: toTaggedJson(request) });
  const response = fromTaggedJson(String(r.response)) as { topics?: { errorCode?: number }[] };
  const code = response.topics?.[0]?.errorCode;
  if (typeof code !== "number") throw new Error("malformed CreateTopics answer from the controller");
  return code;
}
