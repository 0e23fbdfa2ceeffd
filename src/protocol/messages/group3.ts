/** APIs of schema group 3 (one file per API beside this one). */
import type { ApiDef } from "../schema.ts";
import { AddOffsetsToTxn } from "./add-offsets-to-txn.ts";
import { AddPartitionsToTxn } from "./add-partitions-to-txn.ts";
import { AlterConfigs } from "./alter-configs.ts";
import { CreateAcls } from "./create-acls.ts";
import { CreatePartitions } from "./create-partitions.ts";
import { CreateTopics } from "./create-topics.ts";
import { DeleteAcls } from "./delete-acls.ts";
import { DeleteTopics } from "./delete-topics.ts";
import { DescribeAcls } from "./describe-acls.ts";
import { DescribeConfigs } from "./describe-configs.ts";
import { EndTxn } from "./end-txn.ts";
import { IncrementalAlterConfigs } from "./incremental-alter-configs.ts";
import { SaslAuthenticate } from "./sasl-authenticate.ts";
import { SaslHandshake } from "./sasl-handshake.ts";

export const GROUP3_APIS: ApiDef[] = [
  CreateTopics,
  DeleteTopics,
  DescribeConfigs,
  CreatePartitions,
  AlterConfigs,
  IncrementalAlterConfigs,
  SaslHandshake,
  AddPartitionsToTxn,
  AddOffsetsToTxn,
  EndTxn,
  DescribeAcls,
  CreateAcls,
  DeleteAcls,
  SaslAuthenticate,
];
