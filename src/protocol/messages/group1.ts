/** APIs of schema group 1 (one file per API beside this one). */
import type { ApiDef } from "../schema.ts";
import { Fetch } from "./fetch.ts";
import { Metadata } from "./metadata.ts";
import { Produce } from "./produce.ts";

export const GROUP1_APIS: ApiDef[] = [Produce, Fetch, Metadata];
