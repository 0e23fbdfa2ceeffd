/** APIs of schema group 2 (one file per API beside this one). */
import type { ApiDef } from "../schema.ts";

export const GROUP2_APIS: ApiDef[] = [];
