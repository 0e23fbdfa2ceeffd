/**
 * Compile-time value types derived from the schemas: `bun run typecheck` fails when an assertion
 * below is wrong (each `Expect<Equal<...>>` must hold); the run-time half checks that a decoded
 * value indeed has the shape the type claims.
 */
import { expect, test } from "bun:test";
import { decodeMessage, encodeMessage } from "../../src/protocol/codec.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { Reader } from "../../src/protocol/reader.ts";
import type { RequestInput, RequestOf, ResponseInput, ResponseOf } from "../../src/protocol/schema.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

type ProduceRequest = RequestOf<typeof Produce>;
type ProduceResponse = ResponseOf<typeof Produce>;
type Partition = ProduceResponse["responses"][number]["partitionResponses"][number];

export type Checks = [
  Expect<Equal<ProduceRequest["transactionalId"], string | null>>,
  Expect<Equal<ProduceRequest["acks"], number>>,
  Expect<Equal<ProduceRequest["topicData"][number]["name"], string>>,
  Expect<Equal<ProduceRequest["topicData"][number]["partitionData"][number]["records"], Uint8Array | null>>,
  Expect<Equal<Partition["baseOffset"], bigint>>,
  Expect<Equal<Partition["errorMessage"], string | null>>,
  Expect<Equal<Partition["currentLeader"], { leaderId: number; leaderEpoch: number }>>,
  Expect<Equal<keyof ProduceResponse, "responses" | "throttleTimeMs" | "nodeEndpoints">>,
  Expect<Equal<ResponseOf<typeof ApiVersions>["apiKeys"][number], { apiKey: number; minVersion: number; maxVersion: number }>>,
  Expect<Equal<ResponseOf<typeof ApiVersions>["zkMigrationReady"], boolean>>,
  // The message def works as well as the API def.
  Expect<Equal<RequestOf<typeof Produce.request>, ProduceRequest>>,
  // Encoder input: optional fields, int64 also as number, records also as a list of views.
  Expect<Equal<RequestInput<typeof Produce>["acks"], number | undefined>>,
  Expect<Equal<NonNullable<ResponseInput<typeof Produce>["responses"]>[number]["partitionResponses"], ({ index?: number; errorCode?: number; baseOffset?: bigint | number; logAppendTimeMs?: bigint | number; logStartOffset?: bigint | number; recordErrors?: { batchIndex?: number; batchIndexErrorMessage?: string | null }[]; errorMessage?: string | null; currentLeader?: { leaderId?: number; leaderEpoch?: number } }[]) | undefined>>,
  Expect<Equal<NonNullable<RequestInput<typeof Produce>["topicData"]>[number]["partitionData"], { index?: number; records?: Uint8Array | Uint8Array[] | null }[] | undefined>>,
];

test("a decoded Produce request has the shape RequestOf<typeof Produce> claims", () => {
  const input: RequestInput<typeof Produce> = { acks: -1, timeoutMs: 5, topicData: [{ name: "t", partitionData: [{ index: 1, records: null }] }] };
  const bytes = encodeMessage(Produce.request, 9, input).toBytes();
  const decoded: ProduceRequest = decodeMessage(Produce.request, 9, new Reader(bytes));
  expect(decoded).toEqual({ transactionalId: null, acks: -1, timeoutMs: 5, topicData: [{ name: "t", partitionData: [{ index: 1, records: null }] }] });
});
