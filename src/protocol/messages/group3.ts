/** APIs of schema group 3 (one file per API beside this one). */
import type { ApiDef } from "../schema.ts";

export const GROUP3_APIS: ApiDef[] = [];
