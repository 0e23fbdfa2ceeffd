/**
 * The error form of every API at every version: what the broker answers when a handler (or a
 * middleware) throws, as Kafka's AbstractRequest.getErrorResponse does for each request type.
 * The error code goes wherever the response can carry it: the top-level errorCode where the
 * version has one, and every per-topic / per-partition / per-group / per-resource entry the
 * request named (so a client fails exactly what it asked for, and retries it).
 *
 * The registry (registry.ts) uses a handler's own `errorResponse` when it has one, else the
 * builder here, else a response of defaults with a top-level errorCode. A builder returns null
 * when the protocol has no response to send (Produce with acks=0): the connection is then closed,
 * which is how Kafka tells an acks=0 producer that something failed.
 *
 * Values beside the error are Kafka's "unknown" markers: offsets and epochs -1, node ids -1,
 * empty strings for names the request did not give.
 *
 * Deliberate difference: DescribeLogDirs v0-2 has no top-level error field; Kafka then answers an
 * empty result list (indistinguishable from "no log dirs"). Here it answers one result with the
 * error and an empty log dir name, which the Java admin client reports as that error.
 */
import { ErrorCode } from "../protocol/errors.ts";

/** Builds the error response of one API from its decoded request; null means "send nothing". */
export type ErrorResponseBuilder = (request: any, version: number, errorCode: number) => Record<string, unknown> | null;

/** Kafka's text for the codes it puts in errorMessage fields. */
function messageFor(errorCode: number): string | null {
  return errorCode === ErrorCode.UNKNOWN_SERVER_ERROR ? "The server experienced an unexpected error when processing the request." : null;
}

const arr = (v: any[] | null | undefined): any[] => v ?? [];

const builders = new Map<number, ErrorResponseBuilder>([
  // Produce: per partition; nothing at all for acks=0 (Kafka closes the connection).
  [
    0,
    (req, _v, errorCode) =>
      req.acks === 0
        ? null
        : {
            throttleTimeMs: 0,
            responses: arr(req.topicData).map((t: any) => ({
              name: t.name,
              partitionResponses: arr(t.partitionData).map((p: any) => ({
                index: p.index,
                errorCode,
                baseOffset: -1n,
                logAppendTimeMs: -1n,
                logStartOffset: -1n,
                recordErrors: [],
                errorMessage: messageFor(errorCode),
                currentLeader: { leaderId: -1, leaderEpoch: -1 },
              })),
            })),
            nodeEndpoints: [],
          },
  ],
  // Fetch: top-level (v7+) and every requested partition; the session is given up (id 0).
  [
    1,
    (req, _v, errorCode) => ({
      throttleTimeMs: 0,
      errorCode,
      sessionId: 0,
      responses: arr(req.topics).map((t: any) => ({
        topic: t.topic,
        topicId: t.topicId,
        partitions: arr(t.partitions).map((p: any) => ({
          partitionIndex: p.partition,
          errorCode,
          highWatermark: -1n,
          lastStableOffset: -1n,
          logStartOffset: -1n,
          divergingEpoch: { epoch: -1, endOffset: -1n },
          currentLeader: { leaderId: -1, leaderEpoch: -1 },
          snapshotId: { endOffset: -1n, epoch: -1 },
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: null,
        })),
      })),
      nodeEndpoints: [],
    }),
  ],
  // ListOffsets: every requested partition.
  [
    2,
    (req, _v, errorCode) => ({
      throttleTimeMs: 0,
      topics: arr(req.topics).map((t: any) => ({
        name: t.name,
        partitions: arr(t.partitions).map((p: any) => ({ partitionIndex: p.partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: -1 })),
      })),
    }),
  ],
  // Metadata: every requested topic (none for "all topics": Kafka answers no brokers, no topics).
  [
    3,
    (req, v, errorCode) => ({
      throttleTimeMs: 0,
      brokers: [],
      clusterId: null,
      controllerId: -1,
      topics: arr(req.topics).map((t: any) => ({
        errorCode,
        // A topic asked for by id only: its name is nullable in the response from v12 only.
        name: t.name ?? (v >= 12 ? null : ""),
        topicId: t.topicId ?? "AAAAAAAAAAAAAAAAAAAAAA",
        isInternal: false,
        partitions: [],
        topicAuthorizedOperations: -2147483648,
      })),
      clusterAuthorizedOperations: -2147483648,
    }),
  ],
  // OffsetFetch: v0-1 per partition; v2-7 top level; v8+ per group.
  [
    9,
    (req, v, errorCode) => {
      if (v >= 8) return { throttleTimeMs: 0, groups: arr(req.groups).map((g: any) => ({ groupId: g.groupId, topics: [], errorCode })) };
      const topics =
        v < 2
          ? arr(req.topics).map((t: any) => ({
              name: t.name,
              partitions: arr(t.partitionIndexes).map((i: number) => ({ partitionIndex: i, committedOffset: -1n, committedLeaderEpoch: -1, metadata: "", errorCode })),
            }))
          : [];
      return { throttleTimeMs: 0, topics, errorCode };
    },
  ],
  // FindCoordinator: v0-3 one answer; v4+ one per key.
  [
    10,
    (req, v, errorCode) =>
      v < 4
        ? { throttleTimeMs: 0, errorCode, errorMessage: messageFor(errorCode), nodeId: -1, host: "", port: -1 }
        : {
            throttleTimeMs: 0,
            coordinators: arr(req.coordinatorKeys).map((key: string) => ({ key, nodeId: -1, host: "", port: -1, errorCode, errorMessage: messageFor(errorCode) })),
          },
  ],
  // Heartbeat, LeaveGroup (its members list stays empty, as Kafka), ListGroups: top level.
  [12, (_req, _v, errorCode) => ({ throttleTimeMs: 0, errorCode })],
  [13, (_req, _v, errorCode) => ({ throttleTimeMs: 0, errorCode, members: [] })],
  [16, (_req, _v, errorCode) => ({ throttleTimeMs: 0, errorCode, groups: [] })],
  // DescribeGroups: every requested group.
  [
    15,
    (req, _v, errorCode) => ({
      throttleTimeMs: 0,
      groups: arr(req.groups).map((groupId: string) => ({ errorCode, groupId, groupState: "", protocolType: "", protocolData: "", members: [], authorizedOperations: -2147483648 })),
    }),
  ],
  // ApiVersions: the error alone (the list is sent only with UNSUPPORTED_VERSION, by connection.ts).
  [18, (_req, _v, errorCode) => ({ errorCode, apiKeys: [], throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1n, finalizedFeatures: [], zkMigrationReady: false })],
  // DeleteRecords: every requested partition, low watermark unknown.
  [
    21,
    (req, _v, errorCode) => ({
      throttleTimeMs: 0,
      topics: arr(req.topics).map((t: any) => ({ name: t.name, partitions: arr(t.partitions).map((p: any) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode })) })),
    }),
  ],
  // InitProducerId: top level, no producer id.
  [22, (_req, _v, errorCode) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 })],
  // OffsetForLeaderEpoch: every requested partition, epoch and end offset unknown.
  [
    23,
    (req, _v, errorCode) => ({
      throttleTimeMs: 0,
      topics: arr(req.topics).map((t: any) => ({ topic: t.topic, partitions: arr(t.partitions).map((p: any) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1n })) })),
    }),
  ],
  // DescribeLogDirs: top level from v3; before that one result carrying the error (see above).
  [
    35,
    (_req, v, errorCode) => ({
      throttleTimeMs: 0,
      errorCode,
      results: v >= 3 ? [] : [{ errorCode, logDir: "", topics: [], totalBytes: -1n, usableBytes: -1n }],
    }),
  ],
  // DeleteGroups: every requested group.
  [42, (req, _v, errorCode) => ({ throttleTimeMs: 0, results: arr(req.groupsNames).map((groupId: string) => ({ groupId, errorCode })) })],
  // OffsetDelete: top level and every requested partition.
  [
    47,
    (req, _v, errorCode) => ({
      errorCode,
      throttleTimeMs: 0,
      topics: arr(req.topics).map((t: any) => ({ name: t.name, partitions: arr(t.partitions).map((p: any) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
    }),
  ],
  // DescribeCluster: top level with Kafka's message.
  [
    60,
    (_req, _v, errorCode) => ({ throttleTimeMs: 0, errorCode, errorMessage: messageFor(errorCode), endpointType: 1, clusterId: "", controllerId: -1, brokers: [], clusterAuthorizedOperations: -2147483648 }),
  ],
]);

/** The builder for an API key, if this module has one. */
export function errorResponseBuilder(apiKey: number): ErrorResponseBuilder | undefined {
  return builders.get(apiKey);
}

/**
 * True when a failed request must get no response at all, whatever its handler's own error form
 * says: Produce with acks=0 (the client reads no response; Kafka closes the connection instead).
 */
export function failsWithoutResponse(apiKey: number, request: any): boolean {
  return apiKey === 0 && request?.acks === 0;
}
