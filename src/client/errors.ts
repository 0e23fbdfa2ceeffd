/** Errors of the internal Kafka client. `retriable` says whether the same call may succeed later. */
import { ErrorCode } from "../protocol/errors.ts";

export class ClientError extends Error {
  override name = "ClientError";
  readonly retriable: boolean = false;
}

/** The connection closed (or could not be made) before the response arrived. */
export class ConnectionError extends ClientError {
  override name = "ConnectionError";
  override readonly retriable = true;
}

/** No response within the request's timeout. The connection is closed, as Kafka's client does. */
export class RequestTimeoutError extends ClientError {
  override name = "RequestTimeoutError";
  override readonly retriable = true;
}

/** The connection's request queue is full (CLIENT_MAX_QUEUED_REQUESTS or the option). */
export class QueueFullError extends ClientError {
  override name = "QueueFullError";
  override readonly retriable = true;
}

/** Client and broker share no version of an API. */
export class UnsupportedVersionError extends ClientError {
  override name = "UnsupportedVersionError";
}

/** The client was closed; no further requests. */
export class ClientClosedError extends ClientError {
  override name = "ClientClosedError";
}

const NAME_BY_CODE = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code as number, name]));

/** A Kafka error code in a response, as an exception (for the typed calls that raise it). */
export class KafkaError extends ClientError {
  override name = "KafkaError";
  constructor(
    readonly code: number,
    readonly what: string,
    readonly serverMessage: string | null = null,
  ) {
    super(`${what}: ${NAME_BY_CODE.get(code) ?? "error"} (${code})${serverMessage ? `: ${serverMessage}` : ""}`);
  }
  get codeName(): string {
    return NAME_BY_CODE.get(this.code) ?? `UNKNOWN(${this.code})`;
  }
}
