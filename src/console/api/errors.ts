/**
 * The console API's errors: every failure is JSON `{ "error": { "status", "code", "message" } }`
 * with an HTTP status — 400 bad input, 401 not logged in, 403 role or CSRF, 404 unknown, 409
 * conflict, 413 body too large, 429 too many streams, 502 an upstream (broker, registry, Connect)
 * refused or failed, 503 an upstream is not configured. A Kafka error keeps its code name
 * (`code`: "TOPIC_ALREADY_EXISTS") and the broker's message.
 */
import type { Context } from "hono";
import { ClientError, ConnectionError, KafkaError, RequestTimeoutError } from "../../client/index.ts";
import { ErrorCode } from "../../protocol/errors.ts";

export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string = statusName(status),
  ) {
    super(message);
  }
}

function statusName(status: number): string {
  return ({ 400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 413: "TOO_LARGE", 429: "TOO_MANY", 502: "UPSTREAM", 503: "UNAVAILABLE" } as Record<number, string>)[status] ?? "ERROR";
}

export const badRequest = (message: string) => new ConsoleError(400, message);
export const notFound = (message: string) => new ConsoleError(404, message);
export const unavailable = (message: string) => new ConsoleError(503, message);

/** HTTP status for a Kafka error code: what the caller did wrong is 4xx, the cluster's trouble 502. */
function kafkaStatus(code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.UNKNOWN_TOPIC_ID:
    case ErrorCode.GROUP_ID_NOT_FOUND:
    case ErrorCode.RESOURCE_NOT_FOUND:
      return 404;
    case ErrorCode.TOPIC_ALREADY_EXISTS:
    case ErrorCode.NON_EMPTY_GROUP:
    case ErrorCode.UNKNOWN_MEMBER_ID:
    case ErrorCode.ILLEGAL_GENERATION:
    case ErrorCode.REBALANCE_IN_PROGRESS:
    case ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC:
      return 409;
    case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
    case ErrorCode.GROUP_AUTHORIZATION_FAILED:
    case ErrorCode.CLUSTER_AUTHORIZATION_FAILED:
      return 403;
    case ErrorCode.INVALID_TOPIC_EXCEPTION:
    case ErrorCode.INVALID_PARTITIONS:
    case ErrorCode.INVALID_REPLICATION_FACTOR:
    case ErrorCode.INVALID_CONFIG:
    case ErrorCode.INVALID_REQUEST:
    case ErrorCode.POLICY_VIOLATION:
    case ErrorCode.INVALID_GROUP_ID:
    case ErrorCode.OFFSET_OUT_OF_RANGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.UNSUPPORTED_VERSION:
    case ErrorCode.INVALID_RECORD:
      return 400;
    default:
      return 502;
  }
}

export function errorBody(status: number, code: string, message: string) {
  return { error: { status, code, message } };
}

/** The answer for anything a route threw. */
export function errorResponse(c: Context, e: unknown, log?: (msg: string, fields: Record<string, unknown>) => void): Response {
  if (e instanceof ConsoleError) return c.json(errorBody(e.status, e.code, e.message), e.status as 400);
  if (e instanceof KafkaError) {
    const status = kafkaStatus(e.code);
    return c.json(errorBody(status, e.codeName, `${e.what}: ${e.codeName}${e.serverMessage ? `: ${e.serverMessage}` : ""}`), status as 400);
  }
  if (e instanceof ConnectionError || e instanceof RequestTimeoutError) return c.json(errorBody(502, "BROKER_UNREACHABLE", e.message), 502);
  if (e instanceof ClientError) return c.json(errorBody(502, "CLIENT_ERROR", e.message), 502);
  log?.("console: request failed", { error: e, path: c.req.path });
  return c.json(errorBody(500, "INTERNAL", e instanceof Error ? e.message : String(e)), 500);
}
