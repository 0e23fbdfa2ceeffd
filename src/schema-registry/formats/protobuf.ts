/**
 * Protobuf schemas (protobufjs): a .proto text whose imports are its references (the reference
 * name is the import path), parsed into one Root with the referenced files; the stored form is the
 * text as given (a base64 FileDescriptorProto, as Confluent's serializers send, is stored as the
 * .proto text it describes: protobuf-descriptor.ts). Compatibility follows Confluent's Protobuf rules, which are about the wire:
 * adding and removing fields is fine (unknown fields are skipped); these are not, each named as
 * Confluent names it:
 *   PACKAGE_CHANGED            the file's package differs
 *   MESSAGE_REMOVED            a message of the writer's is not in the reader's file
 *   FIELD_KIND_CHANGED         a field number changes between scalar, message, enum and map
 *   FIELD_SCALAR_KIND_CHANGED  a scalar changes outside its wire group (varint int32/int64/uint32/
 *                              uint64/bool, zigzag sint32/sint64, fixed32/sfixed32, fixed64/sfixed64,
 *                              string/bytes, float, double)
 *   FIELD_NAMED_TYPE_CHANGED   a message- or enum-typed field names another type
 *   FIELD_LABEL_CHANGED        repeated becomes singular or back (packed scalars aside)
 *   ONEOF_FIELD_REMOVED        a field leaves a oneof that stays
 *   MULTIPLE_FIELDS_MOVED_TO_ONEOF  more than one existing field moves into a new oneof
 *   REQUIRED_FIELD_ADDED / REQUIRED_FIELD_REMOVED   (proto2 required)
 */
import protobuf from "protobufjs";
import { decodeDescriptor, descriptorToProto, protoToDescriptor } from "./protobuf-descriptor.ts";
import { reason, type ParsedSchema, type ResolvedReference, type SchemaFormat } from "./format.ts";

export interface ProtobufSchema extends ParsedSchema {
  readonly root: protobuf.Root;
  /** Fully qualified names of the messages this file declares (not its imports'). */
  readonly messages: Map<string, protobuf.Type>;
  readonly packageName: string;
}

const SCALAR_GROUP: Record<string, string> = {
  int32: "varint", int64: "varint", uint32: "varint", uint64: "varint", bool: "varint",
  sint32: "zigzag", sint64: "zigzag",
  fixed32: "fixed32", sfixed32: "fixed32",
  fixed64: "fixed64", sfixed64: "fixed64",
  string: "bytes", bytes: "bytes",
  float: "float", double: "double",
};

function collectMessages(ns: protobuf.NamespaceBase, out: Map<string, protobuf.Type>): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) out.set(nested.fullName.replace(/^\./, ""), nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) collectMessages(nested, out);
  }
}

function parseProtobuf(given: string, references: readonly ResolvedReference[], normalize: boolean): ProtobufSchema {
  // A serialized FileDescriptorProto (base64, as Confluent's serializers send it) is kept as its .proto text.
  const descriptor = decodeDescriptor(given);
  const text = descriptor ? descriptorToProto(descriptor) : given;
  // The referenced files first, in the same Root, so imports resolve by name.
  const refRoot = new protobuf.Root();
  for (const ref of references) {
    if (ref.schemaType !== "PROTOBUF") throw new Error(`reference ${ref.name} is ${ref.schemaType}, not PROTOBUF`);
    protobuf.parse(ref.schema, refRoot, { keepCase: true });
  }
  const before = new Map<string, protobuf.Type>();
  collectMessages(refRoot, before);
  const parsed = protobuf.parse(text, refRoot, { keepCase: true });
  const all = new Map<string, protobuf.Type>();
  collectMessages(parsed.root, all);
  const imports = [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])];
  const known = new Set(references.map((r) => r.name));
  for (const imp of imports) {
    if (!known.has(imp) && !imp.startsWith("google/protobuf/")) throw new Error(`import "${imp}" is not among the schema's references`);
  }
  // Well-known types (google/protobuf/*.proto) come with protobufjs.
  for (const imp of imports) {
    const wellKnown = imp.startsWith("google/protobuf/") ? protobuf.common.get(imp) : null;
    if (wellKnown?.nested && !known.has(imp)) parsed.root.addJSON(wellKnown.nested);
  }
  parsed.root.resolveAll();
  const messages = new Map([...all].filter(([name]) => !before.has(name)));
  // normalize=true stores the text printed from the schema's descriptor: one layout, fully qualified type names.
  const printed = normalize ? decodeDescriptor(protoToDescriptor(text, references)) : null;
  const canonical = printed ? descriptorToProto(printed).trim() : text.trim();
  return { type: "PROTOBUF", root: parsed.root, messages, packageName: parsed.package ?? "", canonical, normalized: JSON.stringify({ package: parsed.package ?? "", messages: [...messages.keys()].sort().map((n) => [n, messages.get(n)!.toJSON()]) }) };
}

function fieldKind(f: protobuf.Field): "map" | "scalar" | "enum" | "message" {
  if (f instanceof protobuf.MapField || (f as { map?: boolean }).map) return "map";
  if (SCALAR_GROUP[f.type]) return "scalar";
  return f.resolvedType instanceof protobuf.Enum ? "enum" : "message";
}

export function protobufReaderIncompatibilities(reader: ProtobufSchema, writer: ProtobufSchema): string[] {
  const out: string[] = [];
  if (reader.packageName !== writer.packageName) out.push(reason("PACKAGE_CHANGED", `The package changed from '${writer.packageName}' to '${reader.packageName}'`, "#/"));
  for (const [name, w] of writer.messages) {
    const r = reader.messages.get(name);
    const path = `#/${name}`;
    if (!r) {
      out.push(reason("MESSAGE_REMOVED", `The message '${name}' in the old schema is not in the new schema`, path));
      continue;
    }
    let movedToNewOneof = 0;
    for (const wf of w.fieldsArray) {
      const rf = r.fieldsById[wf.id];
      const fpath = `${path}/${wf.id}`;
      if (!rf) {
        if (wf.required) out.push(reason("REQUIRED_FIELD_REMOVED", `The required field ${wf.id} of '${name}' was removed`, fpath));
        if (wf.partOf && !wf.partOf.name.startsWith("_") && r.oneofs?.[wf.partOf.name]) out.push(reason("ONEOF_FIELD_REMOVED", `Field ${wf.id} was removed from oneof '${wf.partOf.name}' of '${name}'`, fpath));
        continue;
      }
      const wk = fieldKind(wf);
      const rk = fieldKind(rf);
      if (wk !== rk) out.push(reason("FIELD_KIND_CHANGED", `The kind of field ${wf.id} of '${name}' changed from ${wk} to ${rk}`, fpath));
      else if (wk === "scalar" && SCALAR_GROUP[wf.type] !== SCALAR_GROUP[rf.type]) out.push(reason("FIELD_SCALAR_KIND_CHANGED", `The type of field ${wf.id} of '${name}' changed from ${wf.type} to ${rf.type}`, fpath));
      else if ((wk === "message" || wk === "enum") && wf.resolvedType?.fullName !== rf.resolvedType?.fullName) out.push(reason("FIELD_NAMED_TYPE_CHANGED", `The type of field ${wf.id} of '${name}' changed from ${wf.resolvedType?.fullName} to ${rf.resolvedType?.fullName}`, fpath));
      else if (wk === "map") {
        const wm = wf as unknown as protobuf.MapField;
        const rm = rf as unknown as protobuf.MapField;
        if (wm.keyType !== rm.keyType || wm.type !== rm.type) out.push(reason("FIELD_KIND_CHANGED", `The map field ${wf.id} of '${name}' changed its key or value type`, fpath));
      }
      if (wk !== "map" && wf.repeated !== rf.repeated) out.push(reason("FIELD_LABEL_CHANGED", `Field ${wf.id} of '${name}' changed between repeated and singular`, fpath));
      const wo = wf.partOf && !wf.partOf.name.startsWith("_") ? wf.partOf.name : null;
      const ro = rf.partOf && !rf.partOf.name.startsWith("_") ? rf.partOf.name : null;
      if (wo && !ro && r.oneofs?.[wo]) out.push(reason("ONEOF_FIELD_REMOVED", `Field ${wf.id} was removed from oneof '${wo}' of '${name}'`, fpath));
      if (!wo && ro && !w.oneofs?.[ro]) movedToNewOneof++;
    }
    if (movedToNewOneof > 1) out.push(reason("MULTIPLE_FIELDS_MOVED_TO_ONEOF", `More than one existing field of '${name}' moved into a new oneof`, path));
    for (const rf of r.fieldsArray) if (rf.required && !w.fieldsById[rf.id]) out.push(reason("REQUIRED_FIELD_ADDED", `The required field ${rf.id} was added to '${name}'`, `${path}/${rf.id}`));
  }
  return out;
}

export const PROTOBUF_FORMAT: SchemaFormat<ProtobufSchema> = {
  type: "PROTOBUF",
  parse: parseProtobuf,
  readerIncompatibilities: protobufReaderIncompatibilities,
};
