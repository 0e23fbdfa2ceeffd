/**
 * The `takhin` package under Bun: a Kafka-compatible broker (or cluster) inside a test suite,
 * in-process. Under Node the same names come from node/index.mjs (a Bun child process).
 * Public types: types/api.d.ts; guide: docs/embedding.md.
 */
import type * as Api from "./types/api.d.ts";
import { startBroker } from "./broker.ts";
import { startCluster } from "./cluster.ts";
import { ErrorCode } from "../protocol/errors.ts";

export { startBroker, startCluster, ErrorCode };
export type * from "./types/api.d.ts";

// The implementation matches the published declarations.
const _checks: [typeof Api.startBroker, typeof Api.startCluster] = [startBroker, startCluster];
void _checks;
