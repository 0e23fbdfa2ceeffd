/** APIs of schema group 2 (one file per API beside this one). */
import type { ApiDef } from "../schema.ts";
import { ConsumerGroupDescribe } from "./consumer-group-describe.ts";
import { ConsumerGroupHeartbeat } from "./consumer-group-heartbeat.ts";
import { DeleteGroups } from "./delete-groups.ts";
import { DescribeGroups } from "./describe-groups.ts";
import { FindCoordinator } from "./find-coordinator.ts";
import { Heartbeat } from "./heartbeat.ts";
import { JoinGroup } from "./join-group.ts";
import { LeaveGroup } from "./leave-group.ts";
import { ListGroups } from "./list-groups.ts";
import { OffsetCommit } from "./offset-commit.ts";
import { OffsetDelete } from "./offset-delete.ts";
import { OffsetFetch } from "./offset-fetch.ts";
import { SyncGroup } from "./sync-group.ts";
import { TxnOffsetCommit } from "./txn-offset-commit.ts";

export const GROUP2_APIS: ApiDef[] = [
  FindCoordinator,
  JoinGroup,
  SyncGroup,
  Heartbeat,
  LeaveGroup,
  OffsetCommit,
  OffsetFetch,
  DescribeGroups,
  ListGroups,
  TxnOffsetCommit,
  DeleteGroups,
  OffsetDelete,
  ConsumerGroupHeartbeat,
  ConsumerGroupDescribe,
];
