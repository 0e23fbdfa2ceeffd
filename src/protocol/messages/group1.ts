/** APIs of schema group 1 (one file per API beside this one). */
import type { ApiDef } from "../schema.ts";
import { DeleteRecords } from "./delete-records.ts";
import { DescribeCluster } from "./describe-cluster.ts";
import { DescribeLogDirs } from "./describe-log-dirs.ts";
import { Fetch } from "./fetch.ts";
import { InitProducerId } from "./init-producer-id.ts";
import { ListOffsets } from "./list-offsets.ts";
import { Metadata } from "./metadata.ts";
import { OffsetForLeaderEpoch } from "./offset-for-leader-epoch.ts";
import { Produce } from "./produce.ts";

export const GROUP1_APIS: ApiDef[] = [
  Produce,
  Fetch,
  ListOffsets,
  Metadata,
  DeleteRecords,
  InitProducerId,
  OffsetForLeaderEpoch,
  DescribeLogDirs,
  DescribeCluster,
];
