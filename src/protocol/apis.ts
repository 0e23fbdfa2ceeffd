/**
 * Every API schema Takhin knows, by key (one file per API in messages/). The server's handler
 * registry decides which of them it serves and at which versions; this module only knows their
 * wire shapes.
 */
import { AddOffsetsToTxn } from "./messages/add-offsets-to-txn.ts";
import { AddPartitionsToTxn } from "./messages/add-partitions-to-txn.ts";
import { AlterClientQuotas } from "./messages/alter-client-quotas.ts";
import { AlterConfigs } from "./messages/alter-configs.ts";
import { ApiVersions } from "./messages/api-versions.ts";
import { ConsumerGroupDescribe } from "./messages/consumer-group-describe.ts";
import { ConsumerGroupHeartbeat } from "./messages/consumer-group-heartbeat.ts";
import { CreateAcls } from "./messages/create-acls.ts";
import { CreatePartitions } from "./messages/create-partitions.ts";
import { CreateTopics } from "./messages/create-topics.ts";
import { DeleteAcls } from "./messages/delete-acls.ts";
import { DeleteGroups } from "./messages/delete-groups.ts";
import { DescribeUserScramCredentials } from "./messages/describe-user-scram-credentials.ts";
import { AlterUserScramCredentials } from "./messages/alter-user-scram-credentials.ts";
import { DeleteRecords } from "./messages/delete-records.ts";
import { DeleteTopics } from "./messages/delete-topics.ts";
import { DescribeAcls } from "./messages/describe-acls.ts";
import { DescribeClientQuotas } from "./messages/describe-client-quotas.ts";
import { DescribeCluster } from "./messages/describe-cluster.ts";
import { DescribeConfigs } from "./messages/describe-configs.ts";
import { DescribeGroups } from "./messages/describe-groups.ts";
import { DescribeLogDirs } from "./messages/describe-log-dirs.ts";
import { DescribeQuorum } from "./messages/describe-quorum.ts";
import { DescribeTransactions } from "./messages/describe-transactions.ts";
import { ElectLeaders } from "./messages/elect-leaders.ts";
import { AlterPartitionReassignments } from "./messages/alter-partition-reassignments.ts";
import { ListPartitionReassignments } from "./messages/list-partition-reassignments.ts";
import { EndTxn } from "./messages/end-txn.ts";
import { Fetch } from "./messages/fetch.ts";
import { FindCoordinator } from "./messages/find-coordinator.ts";
import { Heartbeat } from "./messages/heartbeat.ts";
import { IncrementalAlterConfigs } from "./messages/incremental-alter-configs.ts";
import { InitProducerId } from "./messages/init-producer-id.ts";
import { JoinGroup } from "./messages/join-group.ts";
import { LeaveGroup } from "./messages/leave-group.ts";
import { ListGroups } from "./messages/list-groups.ts";
import { ListOffsets } from "./messages/list-offsets.ts";
import { ListTransactions } from "./messages/list-transactions.ts";
import { Metadata } from "./messages/metadata.ts";
import { OffsetCommit } from "./messages/offset-commit.ts";
import { OffsetDelete } from "./messages/offset-delete.ts";
import { OffsetFetch } from "./messages/offset-fetch.ts";
import { OffsetForLeaderEpoch } from "./messages/offset-for-leader-epoch.ts";
import { Produce } from "./messages/produce.ts";
import { SaslAuthenticate } from "./messages/sasl-authenticate.ts";
import { SaslHandshake } from "./messages/sasl-handshake.ts";
import { SyncGroup } from "./messages/sync-group.ts";
import { TxnOffsetCommit } from "./messages/txn-offset-commit.ts";
import { WriteTxnMarkers } from "./messages/write-txn-markers.ts";
import type { ApiDef } from "./schema.ts";

export const ALL_APIS: ApiDef[] = [
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  AlterClientQuotas,
  AlterConfigs,
  AlterUserScramCredentials,
  ApiVersions,
  ConsumerGroupDescribe,
  ConsumerGroupHeartbeat,
  CreateAcls,
  CreatePartitions,
  CreateTopics,
  DeleteAcls,
  DeleteGroups,
  DeleteRecords,
  DeleteTopics,
  DescribeAcls,
  DescribeClientQuotas,
  DescribeCluster,
  DescribeConfigs,
  DescribeGroups,
  DescribeLogDirs,
  DescribeQuorum,
  DescribeTransactions,
  DescribeUserScramCredentials,
  ElectLeaders,
  AlterPartitionReassignments,
  ListPartitionReassignments,
  EndTxn,
  Fetch,
  FindCoordinator,
  Heartbeat,
  IncrementalAlterConfigs,
  InitProducerId,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  ListOffsets,
  ListTransactions,
  Metadata,
  OffsetCommit,
  OffsetDelete,
  OffsetFetch,
  OffsetForLeaderEpoch,
  Produce,
  SaslAuthenticate,
  SaslHandshake,
  SyncGroup,
  TxnOffsetCommit,
  WriteTxnMarkers,
].sort((a, b) => a.apiKey - b.apiKey);

export const API_BY_KEY = new Map<number, ApiDef>();
for (const a of ALL_APIS) {
  if (API_BY_KEY.has(a.apiKey)) throw new Error(`api key ${a.apiKey} declared twice`);
  API_BY_KEY.set(a.apiKey, a);
}
