/**
 * The transaction coordinator's requests to other brokers of a cluster, over the internal client
 * (one BrokerConnection per peer, to its inter-broker listener as the metadata image names it):
 *
 *  - WriteTxnMarkers (27) to the leaders of a finished transaction's partitions this broker does
 *    not lead (Kafka's TransactionMarkerChannelManager): the data path's RemoteMarkerSender, so
 *    context.txnMarkers.writeMarkers reaches every partition. Partitions are grouped by leader,
 *    one request per leader; a leader that cannot be reached answers NETWORK_EXCEPTION for its
 *    partitions, a partition without a leader NOT_LEADER_OR_FOLLOWER (both retried by the coordinator).
 *  - AddPartitionsToTxn (24) v4+ with verify_only to the coordinator of a transactional id on
 *    another broker (KIP-890 part 1): the produce path's check of a transactional batch whose
 *    partition this broker leads. A coordinator that cannot be reached answers NETWORK_EXCEPTION.
 */
import { BrokerConnection } from "../../client/connection.ts";
import type { TopicRegistry } from "../../cluster/topics.ts";
import type { RemoteMarkerSender } from "../../cluster/txn-marker-writer.ts";
import type { TopicPartitionRef, TxnMarkerRequest, TxnMarkerResult } from "../../cluster/txn-contract.ts";
import type { MetadataImage } from "../../metadata/image.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { AddPartitionsToTxn } from "../../protocol/messages/add-partitions-to-txn.ts";
import { WriteTxnMarkers } from "../../protocol/messages/write-txn-markers.ts";
import type { Logger } from "../../util/log.ts";

/** How long one request to a peer may take before its partitions answer REQUEST_TIMED_OUT. */
const PEER_REQUEST_TIMEOUT_MS = 10_000;
const FIRST_BATCHED_VERSION = 4;

export interface TxnPeersOptions {
  nodeId: number;
  image: () => MetadataImage;
  topics: TopicRegistry;
  interBrokerListener: string;
  log: Logger;
}

export class TxnPeers implements RemoteMarkerSender {
  private readonly connections = new Map<number, BrokerConnection>();
  private closed = false;

  constructor(private readonly o: TxnPeersOptions) {}

  private connection(nodeId: number): BrokerConnection | null {
    if (this.closed || nodeId === this.o.nodeId) return null;
    const b = this.o.image().brokers.get(nodeId);
    const ep = b?.endPoints.find((e) => e.name === this.o.interBrokerListener) ?? b?.endPoints[0];
    if (!ep) return null;
    const host = ep.host === "" || ep.host === "0.0.0.0" ? "127.0.0.1" : ep.host;
    let c = this.connections.get(nodeId);
    if (c && (c.host !== host || c.port !== ep.port)) {
      c.close();
      c = undefined;
    }
    if (!c) {
      c = new BrokerConnection(host, ep.port, { clientId: `takhin-txn-coordinator-${this.o.nodeId}`, requestTimeoutMs: PEER_REQUEST_TIMEOUT_MS, reconnectBackoffMaxMs: 1000 });
      this.connections.set(nodeId, c);
    }
    return c;
  }

  /** RemoteMarkerSender: the markers of `request` for `partitions`, one WriteTxnMarkers per leader. */
  async send(request: TxnMarkerRequest, partitions: TopicPartitionRef[]): Promise<TxnMarkerResult[]> {
    const byLeader = new Map<number, TopicPartitionRef[]>();
    const out: TxnMarkerResult[] = [];
    for (const p of partitions) {
      const leader = this.o.topics.partition(p.topic, p.partition)?.leader ?? -1;
      if (leader < 0 || leader === this.o.nodeId) {
        out.push({ ...p, errorCode: leader < 0 && !this.o.topics.get(p.topic) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER });
        continue;
      }
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(p);
    }
    const answers = await Promise.all([...byLeader].map(([leader, ps]) => this.sendTo(leader, request, ps)));
    for (const a of answers) out.push(...a);
    return out;
  }

  private async sendTo(leader: number, request: TxnMarkerRequest, partitions: TopicPartitionRef[]): Promise<TxnMarkerResult[]> {
    const c = this.connection(leader);
    if (!c) return partitions.map((p) => ({ ...p, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }));
    const topics = new Map<string, number[]>();
    for (const p of partitions) {
      let l = topics.get(p.topic);
      if (!l) topics.set(p.topic, (l = []));
      l.push(p.partition);
    }
    try {
      const r = await c.send(WriteTxnMarkers, {
        markers: [
          {
            producerId: request.producerId,
            producerEpoch: request.producerEpoch,
            transactionResult: request.result === "commit",
            topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
            coordinatorEpoch: request.coordinatorEpoch,
            transactionVersion: 0,
          },
        ],
      });
      const codes = new Map<string, number>();
      for (const m of r.body.markers) for (const t of m.topics) for (const p of t.partitions) codes.set(`${t.name}\u0000${p.partitionIndex}`, p.errorCode);
      return partitions.map((p) => ({ ...p, errorCode: codes.get(`${p.topic}\u0000${p.partition}`) ?? ErrorCode.UNKNOWN_SERVER_ERROR }));
    } catch (e) {
      this.o.log.info("WriteTxnMarkers to a peer failed", { nodeId: leader, error: (e as Error).message });
      return partitions.map((p) => ({ ...p, errorCode: ErrorCode.NETWORK_EXCEPTION }));
    }
  }

  /** AddPartitionsToTxn verify_only at the id's coordinator on `nodeId`: the partition's error code. */
  async verify(nodeId: number, transactionalId: string, producerId: bigint, producerEpoch: number, partition: TopicPartitionRef): Promise<number> {
    const c = this.connection(nodeId);
    if (!c) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    try {
      const r = await c.send(AddPartitionsToTxn, {
        transactions: [{ transactionalId, producerId, producerEpoch, verifyOnly: true, topics: [{ name: partition.topic, partitions: [partition.partition] }] }],
        v3AndBelowTransactionalId: "",
        v3AndBelowProducerId: -1n,
        v3AndBelowProducerEpoch: -1,
        v3AndBelowTopics: [],
      });
      if (r.version < FIRST_BATCHED_VERSION) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      if (r.body.errorCode !== ErrorCode.NONE) return r.body.errorCode;
      const result = r.body.resultsByTransaction.find((t) => t.transactionalId === transactionalId);
      const code = result?.topicResults.find((t) => t.name === partition.topic)?.resultsByPartition.find((p) => p.partitionIndex === partition.partition)?.partitionErrorCode;
      return code ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    } catch (e) {
      this.o.log.info("transaction verification at a peer failed", { nodeId, error: (e as Error).message });
      return ErrorCode.NETWORK_EXCEPTION;
    }
  }

  close(): void {
    this.closed = true;
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }
}
