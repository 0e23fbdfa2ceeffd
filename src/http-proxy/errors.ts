/**
 * HTTP Proxy errors in Confluent REST Proxy's shape: every failure answers
 *   { "error_code": <int>, "message": "<one line>" }
 * with the HTTP status the code begins with (40401 -> 404). Codes are Confluent's (its Errors
 * class and the REST API reference): 40401 topic not found, 40402 partition not found, 40403
 * consumer instance not found, 40601 consumer format mismatch, 40901 consumer already subscribed,
 * 40902 consumer instance exists, 42201 key schema missing, 42202 value schema missing, 42203
 * JSON-to-Avro conversion failed, 42204 invalid consumer configuration, 42205 invalid schema,
 * 50002 Kafka error, 50003 retriable Kafka error. Framework-level failures carry the bare HTTP
 * status as their code, as Confluent's do ({"error_code":404,"message":"HTTP 404 Not Found"},
 * 406, 415, 413, 422 "records may not be empty", 400 malformed JSON).
 */
export class ProxyError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }

  /** The HTTP status: the first three digits of a five-digit code, or the code itself. */
  get status(): number {
    return this.errorCode >= 10000 ? Math.floor(this.errorCode / 100) : this.errorCode;
  }

  body(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const topicNotFound = () => new ProxyError(40401, "Topic not found.");
export const partitionNotFound = () => new ProxyError(40402, "Partition not found.");
export const consumerNotFound = () => new ProxyError(40403, "Consumer instance not found.");
export const formatMismatch = () => new ProxyError(40601, "The requested embedded data format does not match the deserializer for this consumer instance");
export const alreadySubscribed = () => new ProxyError(40903, "Illegal state: Subscription to topics, partitions and pattern are mutually exclusive.");
export const consumerExists = () => new ProxyError(40902, "Consumer with specified consumer ID already exists in the specified consumer group.");
export const keySchemaMissing = () => new ProxyError(42201, "Request includes keys but does not include key schema");
export const valueSchemaMissing = () => new ProxyError(42202, "Request includes values but does not include value schema");
export const conversionFailed = (why: string) => new ProxyError(42203, `Conversion of JSON to Object failed: ${why}`);
export const invalidConsumerConfig = (why: string) => new ProxyError(42204, `Invalid consumer configuration: ${why}`);
export const invalidSchema = (why: string) => new ProxyError(42205, `Invalid schema: ${why}`);
export const kafkaError = (why: string) => new ProxyError(50002, `Kafka error: ${why}`);
export const retriableKafkaError = (why: string) => new ProxyError(50003, `Retriable Kafka error: ${why}`);
export const unprocessable = (why: string) => new ProxyError(422, why);
export const badRequest = (why: string) => new ProxyError(400, why);
export const notFound = () => new ProxyError(404, "HTTP 404 Not Found");
export const notAcceptable = () => new ProxyError(406, "HTTP 406 Not Acceptable");
export const unsupportedMediaType = () => new ProxyError(415, "HTTP 415 Unsupported Media Type");
export const tooLarge = (limit: number) => new ProxyError(413, `the request body is over ${limit} bytes`);
export const tooManyInstances = (limit: number) => new ProxyError(429, `this node holds ${limit} consumer instances, its limit; delete one or wait for one to expire`);
