/**
 * Protobuf schemas as serialized descriptors: Confluent's serializers (confluent-kafka-python,
 * librdkafka's) send a Protobuf schema as the base64 of a google.protobuf.FileDescriptorProto,
 * and ask for one back with `?format=serialized`. Confluent's registry stores the .proto text
 * either way; so does Takhin:
 *   - descriptorToProto(base64)  -> .proto text (proto2/proto3: messages, nested types, enums,
 *     fields with labels, maps, oneofs, proto3 `optional`, proto2 defaults; options other than
 *     those are dropped, as they do not change the wire)
 *   - protoToDescriptor(text, refs) -> base64 FileDescriptorProto (fully qualified type names,
 *     map entries named as protoc names them, `<Field>Entry`)
 * The file name inside the descriptor is not meaningful (the clients rename it).
 */
import protobuf from "protobufjs";
import "protobufjs/ext/descriptor/index.js";
import type { ResolvedReference } from "./format.ts";

// protobufjs's reflection of descriptor.proto (registered by the import above).
const descriptorTypes = (protobuf as unknown as { descriptor: protobuf.Namespace }).descriptor;
const FileDescriptorProto = descriptorTypes.lookupType("FileDescriptorProto");

/** Longest base64 text treated as a descriptor (the body limit bounds it earlier anyway). */
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

interface FieldD {
  name: string;
  number: number;
  label?: string;
  type?: string;
  typeName?: string;
  defaultValue?: string;
  oneofIndex?: number;
  proto3Optional?: boolean;
}
interface MessageD {
  name: string;
  field?: FieldD[];
  nestedType?: MessageD[];
  enumType?: EnumD[];
  oneofDecl?: { name: string }[];
  options?: { mapEntry?: boolean };
}
interface EnumD {
  name: string;
  value?: { name: string; number: number }[];
}
interface FileD {
  name?: string;
  package?: string;
  dependency?: string[];
  messageType?: MessageD[];
  enumType?: EnumD[];
  syntax?: string;
}

const SCALAR_NAMES: Record<string, string> = {
  TYPE_DOUBLE: "double", TYPE_FLOAT: "float", TYPE_INT64: "int64", TYPE_UINT64: "uint64", TYPE_INT32: "int32",
  TYPE_FIXED64: "fixed64", TYPE_FIXED32: "fixed32", TYPE_BOOL: "bool", TYPE_STRING: "string", TYPE_BYTES: "bytes",
  TYPE_UINT32: "uint32", TYPE_SFIXED32: "sfixed32", TYPE_SFIXED64: "sfixed64", TYPE_SINT32: "sint32", TYPE_SINT64: "sint64",
};
const SCALAR_TYPES: Record<string, string> = Object.fromEntries(Object.entries(SCALAR_NAMES).map(([k, v]) => [v, k]));

/** The descriptor a base64 text holds, or null when the text is not one (then it is .proto text). */
export function decodeDescriptor(text: string): FileD | null {
  const t = text.trim();
  if (t.length < 4 || !BASE64_RE.test(t)) return null;
  try {
    const bytes = Buffer.from(t, "base64");
    const msg = FileDescriptorProto.decode(bytes);
    const d = FileDescriptorProto.toObject(msg, { enums: String, defaults: false, arrays: true }) as FileD;
    // A real file declares something; random base64 rarely decodes into messages or enums.
    if (!d.messageType?.length && !d.enumType?.length) return null;
    return d;
  } catch {
    return null;
  }
}

function typeRef(f: FieldD): string {
  if (f.type && SCALAR_NAMES[f.type]) return SCALAR_NAMES[f.type];
  if (!f.typeName) throw new Error(`field ${f.name} has no type`);
  return f.typeName;
}

function printEnum(e: EnumD, indent: string, out: string[]): void {
  out.push(`${indent}enum ${e.name} {`);
  for (const v of e.value ?? []) out.push(`${indent}  ${v.name} = ${v.number};`);
  out.push(`${indent}}`);
}

function printMessage(m: MessageD, indent: string, proto3: boolean, out: string[]): void {
  out.push(`${indent}message ${m.name} {`);
  const inner = indent + "  ";
  const mapEntries = new Map((m.nestedType ?? []).filter((n) => n.options?.mapEntry).map((n) => [n.name, n]));
  const fieldLine = (f: FieldD): string => {
    const entryName = f.typeName?.split(".").pop();
    const entry = f.label === "LABEL_REPEATED" && entryName ? mapEntries.get(entryName) : undefined;
    if (entry && f.typeName?.endsWith(`${m.name}.${entryName}`)) {
      const k = entry.field?.find((x) => x.number === 1);
      const v = entry.field?.find((x) => x.number === 2);
      if (k && v) return `map<${typeRef(k)}, ${typeRef(v)}> ${f.name} = ${f.number};`;
    }
    let label = "";
    if (f.label === "LABEL_REPEATED") label = "repeated ";
    else if (f.label === "LABEL_REQUIRED") label = "required ";
    else if (!proto3 || f.proto3Optional) label = "optional ";
    const def = !proto3 && f.defaultValue !== undefined ? ` [default = ${f.type === "TYPE_STRING" || f.type === "TYPE_BYTES" ? JSON.stringify(f.defaultValue) : f.defaultValue}]` : "";
    return `${label}${typeRef(f)} ${f.name} = ${f.number}${def};`;
  };
  const oneofs = m.oneofDecl ?? [];
  const fields = m.field ?? [];
  const printedOneofs = new Set<number>();
  for (const f of fields) {
    if (f.oneofIndex !== undefined && !f.proto3Optional) {
      if (printedOneofs.has(f.oneofIndex)) continue;
      printedOneofs.add(f.oneofIndex);
      out.push(`${inner}oneof ${oneofs[f.oneofIndex]?.name ?? `oneof_${f.oneofIndex}`} {`);
      for (const g of fields) if (g.oneofIndex === f.oneofIndex && !g.proto3Optional) out.push(`${inner}  ${typeRef(g)} ${g.name} = ${g.number};`);
      out.push(`${inner}}`);
      continue;
    }
    out.push(inner + fieldLine(f));
  }
  for (const n of m.nestedType ?? []) if (!n.options?.mapEntry) printMessage(n, inner, proto3, out);
  for (const e of m.enumType ?? []) printEnum(e, inner, out);
  out.push(`${indent}}`);
}

/** The .proto text of a decoded descriptor. */
export function descriptorToProto(d: FileD): string {
  const proto3 = d.syntax === "proto3";
  const out = [`syntax = "${proto3 ? "proto3" : "proto2"}";`];
  if (d.package) out.push(`package ${d.package};`);
  for (const dep of d.dependency ?? []) out.push(`import "${dep}";`);
  for (const m of d.messageType ?? []) printMessage(m, "", proto3, out);
  for (const e of d.enumType ?? []) printEnum(e, "", out);
  return out.join("\n") + "\n";
}

const entryName = (field: string) => field.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase()) + "Entry";
const qualified = (t: protobuf.ReflectionObject) => `.${t.fullName.replace(/^\./, "")}`;

function enumD(e: protobuf.Enum): EnumD {
  return { name: e.name, value: Object.entries(e.values).map(([name, number]) => ({ name, number })) };
}

function fieldType(f: protobuf.Field): Pick<FieldD, "type" | "typeName"> {
  if (SCALAR_TYPES[f.type]) return { type: SCALAR_TYPES[f.type] };
  const t = f.resolvedType;
  if (!t) throw new Error(`field ${f.name}: type ${f.type} does not resolve`);
  return t instanceof protobuf.Enum ? { type: "TYPE_ENUM", typeName: qualified(t) } : { type: "TYPE_MESSAGE", typeName: qualified(t) };
}

function messageD(t: protobuf.Type, proto3: boolean): MessageD {
  const real = t.oneofsArray.filter((o) => !(o.fieldsArray.length === 1 && o.name.startsWith("_") && o.fieldsArray[0]!.options?.proto3_optional));
  const synthetic = t.oneofsArray.filter((o) => !real.includes(o));
  const oneofOrder = [...real, ...synthetic];
  const nested: MessageD[] = [];
  const fields: FieldD[] = t.fieldsArray.map((f) => {
    if (f instanceof protobuf.MapField) {
      const name = entryName(f.name);
      const keyType = SCALAR_TYPES[f.keyType]!;
      const valueField = { name: "value", number: 2, label: "LABEL_OPTIONAL", ...fieldType(f) };
      nested.push({ name, field: [{ name: "key", number: 1, label: "LABEL_OPTIONAL", type: keyType }, valueField], options: { mapEntry: true } });
      return { name: f.name, number: f.id, label: "LABEL_REPEATED", type: "TYPE_MESSAGE", typeName: `${qualified(t)}.${name}` };
    }
    const d: FieldD = { name: f.name, number: f.id, label: f.repeated ? "LABEL_REPEATED" : f.required ? "LABEL_REQUIRED" : "LABEL_OPTIONAL", ...fieldType(f) };
    if (f.partOf) {
      d.oneofIndex = oneofOrder.indexOf(f.partOf);
      if (synthetic.includes(f.partOf)) d.proto3Optional = true;
    }
    if (!proto3 && f.options?.default !== undefined) d.defaultValue = String(f.options.default);
    return d;
  });
  for (const n of t.nestedArray) if (n instanceof protobuf.Type) nested.push(messageD(n, proto3));
  return {
    name: t.name,
    field: fields,
    nestedType: nested,
    enumType: t.nestedArray.filter((n): n is protobuf.Enum => n instanceof protobuf.Enum).map(enumD),
    oneofDecl: oneofOrder.map((o) => ({ name: o.name })),
  };
}

/** The base64 FileDescriptorProto of a .proto text (its references resolve its imports). */
export function protoToDescriptor(text: string, references: readonly ResolvedReference[], fileName = "default.proto"): string {
  // The file alone tells which declarations are its own; the root with its references resolves types.
  const own = protobuf.parse(text, new protobuf.Root(), { keepCase: true });
  const root = new protobuf.Root();
  for (const ref of references) protobuf.parse(ref.schema, root, { keepCase: true });
  protobuf.parse(text, root, { keepCase: true });
  for (const imp of [...(own.imports ?? []), ...(own.weakImports ?? [])]) {
    const wellKnown = imp.startsWith("google/protobuf/") ? protobuf.common.get(imp) : null;
    if (wellKnown?.nested && !references.some((r) => r.name === imp)) root.addJSON(wellKnown.nested);
  }
  root.resolveAll();
  const proto3 = !/\bsyntax\s*=\s*["']proto2["']/.test(text);
  const pkgNs: protobuf.NamespaceBase = own.package ? own.root.lookup(own.package) as protobuf.Namespace : own.root;
  const messageType: MessageD[] = [];
  const enumType: EnumD[] = [];
  for (const n of pkgNs?.nestedArray ?? []) {
    const resolved = root.lookup(n.fullName);
    if (resolved instanceof protobuf.Type) messageType.push(messageD(resolved, proto3));
    else if (resolved instanceof protobuf.Enum) enumType.push(enumD(resolved));
  }
  const d: FileD = { name: fileName, ...(own.package ? { package: own.package } : {}), dependency: [...(own.imports ?? [])], messageType, enumType, syntax: proto3 ? "proto3" : "proto2" };
  return Buffer.from(FileDescriptorProto.encode(FileDescriptorProto.fromObject(d)).finish()).toString("base64");
}
