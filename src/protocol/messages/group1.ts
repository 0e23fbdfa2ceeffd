/** APIs of schema group 1 (one file per API beside this one). */
import type { ApiDef } from "../schema.ts";
import { Metadata } from "./metadata.ts";

export const GROUP1_APIS: ApiDef[] = [Metadata];
