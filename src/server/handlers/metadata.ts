/**
 * Metadata: the live brokers, the cluster id and controller, and the topics asked for (all topics
 * when the list is null, or empty in v0), all read from the metadata image: each partition's
 * leader, leader epoch, replicas and ISR as the controller registered them; replicas on brokers
 * that are not live are reported offline. An unknown topic named in the request is created when auto.create.topics.enable is
 * on and the request allows it (always before v4); it is created synchronously, so the response
 * already describes it (Kafka answers LEADER_NOT_AVAILABLE and clients retry; both work for them).
 */
import { autoCreateTopic } from "../../cluster/topic-admin.ts";
import type { TopicInfo } from "../../cluster/topics.ts";
import { brokersFor } from "../advertised.ts";
import { NO_LEADER } from "../../metadata/records.ts";
import { topicNameError } from "../../cluster/topics.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { Metadata } from "../../protocol/messages/metadata.ts";
import { ZERO_UUID } from "../../protocol/reader.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_OPERATIONS, TOPIC_OPERATIONS } from "../authorized-operations.ts";
import type { BrokerContext } from "../context.ts";
import type { HandlerFor } from "../registry.ts";

/** First Metadata version whose topics may be named by id alone (null name). */
const FIRST_NULL_NAME_VERSION = 12;

function topicEntry(t: TopicInfo, b: BrokerContext, includeOps: boolean, live: ReadonlySet<number>) {
  const partitions = b.topics.registrations(t.name).map((reg, p) => ({
    errorCode: reg.leader === NO_LEADER || !live.has(reg.leader) ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
    partitionIndex: p,
    leaderId: reg.leader,
    leaderEpoch: reg.leaderEpoch,
    replicaNodes: [...reg.replicas],
    isrNodes: [...reg.isr],
    offlineReplicas: reg.replicas.filter((id) => !live.has(id)),
  }));
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.id,
    isInternal: t.internal,
    partitions,
    topicAuthorizedOperations: includeOps ? TOPIC_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function errorEntry(errorCode: number, name: string | null, topicId: string) {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

export const metadataHandler: HandlerFor<typeof Metadata> = {
  api: Metadata,
  minVersion: 0,
  maxVersion: 12,
  handle(ctx, req, version) {
    const b = ctx.broker;
    const includeOps = req.includeTopicAuthorizedOperations;
    const all = req.topics === null || (version === 0 && req.topics.length === 0);
    const brokers = brokersFor(ctx);
    const live = new Set(brokers.map((x) => x.nodeId));
    const topics = [];
    if (all) {
      for (const t of b.topics.list()) topics.push(topicEntry(t, b, includeOps, live));
    } else {
      for (const wanted of req.topics!) {
        // A lookup by id: a null name, or (the Java client 4.x resolving a KIP-848 assignment's topic ids) an empty one with an id.
        if (wanted.name === null || wanted.name === undefined || (wanted.name === "" && wanted.topicId !== ZERO_UUID && version >= FIRST_NULL_NAME_VERSION)) {
          if (version < FIRST_NULL_NAME_VERSION) {
            // Kafka refuses null topic names (lookups by id) before v12; the response cannot carry null.
            topics.push(errorEntry(ErrorCode.INVALID_REQUEST, "", wanted.topicId));
            continue;
          }
          const t = wanted.topicId !== ZERO_UUID ? b.topics.getById(wanted.topicId) : undefined;
          topics.push(t ? topicEntry(t, b, includeOps, live) : errorEntry(ErrorCode.UNKNOWN_TOPIC_ID, null, wanted.topicId));
          continue;
        }
        if (topicNameError(wanted.name)) {
          topics.push(errorEntry(ErrorCode.INVALID_TOPIC_EXCEPTION, wanted.name, ZERO_UUID));
          continue;
        }
        let t = b.topics.get(wanted.name);
        if (!t && b.config.autoCreateTopicsEnable && req.allowAutoTopicCreation) {
          const created = autoCreateTopic(b, wanted.name);
          if ("errorCode" in created) {
            topics.push(errorEntry(created.errorCode, wanted.name, ZERO_UUID));
            continue;
          }
          b.log.info("topic auto-created", { topic: created.name, partitions: created.partitions, clientId: ctx.clientId });
          t = created;
        }
        topics.push(t ? topicEntry(t, b, includeOps, live) : errorEntry(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, wanted.name, ZERO_UUID));
      }
    }
    return {
      throttleTimeMs: 0,
      brokers,
      clusterId: b.clusterId,
      controllerId: b.metadata.controllerId,
      topics,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
};
