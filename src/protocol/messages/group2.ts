/** APIs of schema group 2 (one file per API beside this one). */
import type { ApiDef } from "../schema.ts";
import { FindCoordinator } from "./find-coordinator.ts";
import { Heartbeat } from "./heartbeat.ts";
import { JoinGroup } from "./join-group.ts";
import { LeaveGroup } from "./leave-group.ts";
import { OffsetCommit } from "./offset-commit.ts";
import { OffsetFetch } from "./offset-fetch.ts";
import { SyncGroup } from "./sync-group.ts";

export const GROUP2_APIS: ApiDef[] = [FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch];
