/** The whole differential corpus; scenario names are unique (checked by the suite). */
import type { Scenario } from "../scenario.ts";
import { ADMIN } from "./admin.ts";
import { DATA } from "./data.ts";
import { GROUPS } from "./groups.ts";

export const CORPUS: Scenario[] = [...ADMIN, ...DATA, ...GROUPS];
