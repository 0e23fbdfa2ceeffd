/**
 * WriteTxnMarkers (key 27): versions 1-2 (Kafka 4 removed v0), flexible from 1. Sent by a
 * transaction coordinator to a partition's leader: write the COMMIT/ABORT control batch of each
 * producer to the partitions named. v2 carries the transaction version of the marker.
 */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 27, valid: "1-2", flexible: "1+" };

export const WriteTxnMarkers = api(
  request({ ...meta, name: "WriteTxnMarkersRequest" }, [
    field("markers", arr(struct(
      field("producerId", "int64", "0+"),
      field("producerEpoch", "int16", "0+"),
      field("transactionResult", "bool", "0+"),
      field("topics", arr(struct(
        field("name", "string", "0+"),
        field("partitionIndexes", arr("int32"), "0+"),
      )), "0+"),
      field("coordinatorEpoch", "int32", "0+"),
      field("transactionVersion", "int8", "2+"),
    )), "0+"),
  ]),
  response({ ...meta, name: "WriteTxnMarkersResponse" }, [
    field("markers", arr(struct(
      field("producerId", "int64", "0+"),
      field("topics", arr(struct(
        field("name", "string", "0+"),
        field("partitions", arr(struct(
          field("partitionIndex", "int32", "0+"),
          field("errorCode", "int16", "0+"),
        )), "0+"),
      )), "0+"),
    )), "0+"),
  ]),
);
