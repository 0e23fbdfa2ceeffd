/**
 * `takhin/testing` under Bun: startBroker/startCluster (in-process) and small helpers for test
 * suites. Under Node the same names come from node/index.mjs (a Bun child process).
 */
export { startBroker, startCluster, ErrorCode } from "./index.ts";
export type * from "./types/api.d.ts";
export { until as waitFor } from "./admin.ts";
