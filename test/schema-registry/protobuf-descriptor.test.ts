/**
 * Protobuf schemas as serialized FileDescriptorProtos (what Confluent's serializers send and read
 * with ?format=serialized): .proto text -> descriptor -> .proto text keeps every message, field,
 * label, map, oneof, enum and import, and the registry's compatibility check finds the round trip
 * identical on the wire in both directions.
 */
import { expect, test } from "bun:test";
import { PROTOBUF_FORMAT } from "../../src/schema-registry/formats/protobuf.ts";
import { decodeDescriptor, descriptorToProto, protoToDescriptor } from "../../src/schema-registry/formats/protobuf-descriptor.ts";

const money = { name: "money.proto", schemaType: "PROTOBUF" as const, schema: 'syntax = "proto3";\npackage common;\nmessage Money { int64 cents = 1; string currency = 2; }' };
const TEXT = `syntax = "proto3";
package shop.v1;
import "money.proto";
message Order {
  string id = 1;
  repeated string tags = 2;
  map<string, int64> counts = 3;
  common.Money total = 4;
  oneof payment { string card = 5; int32 voucher = 6; }
  optional int32 priority = 7;
  Status status = 8;
  message Line { string sku = 1; uint32 qty = 2; sint64 delta = 3; fixed32 f = 4; bytes blob = 5; }
  repeated Line lines = 9;
  enum Status { NEW = 0; PAID = 1; }
}
enum Kind { A = 0; B = 1; }
`;

test("text -> descriptor -> text is the same schema", () => {
  const b64 = protoToDescriptor(TEXT, [money]);
  const d = decodeDescriptor(b64);
  expect(d).not.toBeNull();
  expect(d!.package).toBe("shop.v1");
  expect(d!.dependency).toEqual(["money.proto"]);
  const text = descriptorToProto(d!);
  expect(text).toContain("map<string, int64> counts = 3;");
  expect(text).toContain("oneof payment {");
  expect(text).toContain("optional int32 priority = 7;");
  expect(text).toContain("enum Kind {");
  const a = PROTOBUF_FORMAT.parse(TEXT, [money], false);
  const b = PROTOBUF_FORMAT.parse(text, [money], false);
  // The base64 form parses as the same schema too.
  const c = PROTOBUF_FORMAT.parse(b64, [money], false);
  expect(c.canonical).toBe(b.canonical);
  expect(PROTOBUF_FORMAT.readerIncompatibilities(a, b)).toEqual([]);
  expect(PROTOBUF_FORMAT.readerIncompatibilities(b, a)).toEqual([]);
  expect([...(b as any).messages.keys()].sort()).toEqual([...(a as any).messages.keys()].sort());
});

test("text that is not a descriptor stays text; junk base64 is not a descriptor", () => {
  expect(decodeDescriptor(TEXT)).toBeNull();
  expect(decodeDescriptor("aGVsbG8gd29ybGQ=")).toBeNull();
  expect(decodeDescriptor("")).toBeNull();
});
