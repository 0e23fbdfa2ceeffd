/** DescribeLogDirs (key 35): versions 0-4, flexible from 2. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 35, valid: "0-4", flexible: "2+" };

export const DescribeLogDirs = api(
  request({ ...meta, name: "DescribeLogDirsRequest" }, [
    field("topics", arr(struct(
      field("topic", "string", "0+"),
      field("partitions", arr("int32"), "0+"),
    )), "0+", { nullable: "0+" }),
  ]),
  response({ ...meta, name: "DescribeLogDirsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "3+"),
    field("results", arr(struct(
      field("errorCode", "int16", "0+"),
      field("logDir", "string", "0+"),
      field("topics", arr(struct(
        field("name", "string", "0+"),
        field("partitions", arr(struct(
          field("partitionIndex", "int32", "0+"),
          field("partitionSize", "int64", "0+"),
          field("offsetLag", "int64", "0+"),
          field("isFutureKey", "bool", "0+"),
        )), "0+"),
      )), "0+"),
      field("totalBytes", "int64", "4+", { default: -1n }),
      field("usableBytes", "int64", "4+", { default: -1n }),
    )), "0+"),
  ]),
);
