/**
 * The coordinators' own topics, which clients may read but not write: Kafka refuses a client's
 * Produce and DeleteRecords on them with INVALID_TOPIC_EXCEPTION (its Topic.INTERNAL_TOPICS, as in
 * Kafka 4.4's clients jar). Only a coordinator appends there, straight to the partition with origin
 * "coordinator" (src/coordinator/offsets-log.ts), never through the client paths that call this.
 *
 * This is the exact set, not every "__" name (metadata/names.ts isInternalTopicName): a user topic
 * called "__events" stays writable, as in Kafka.
 */
import { ErrorCode } from "../protocol/errors.ts";

export const COORDINATOR_TOPICS: ReadonlySet<string> = new Set(["__consumer_offsets", "__transaction_state", "__share_group_state"]);

export interface WriteRefusal {
  errorCode: number;
  errorMessage: string;
}

/** Why a client may not append to or delete records of `topic`; null when it may. */
export function clientWriteRefusal(topic: string, what: "append to" | "delete records of"): WriteRefusal | null {
  if (!COORDINATOR_TOPICS.has(topic)) return null;
  return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `clients cannot ${what} the internal topic ${topic}` };
}
