/**
 * What the registry needs from a schema format (Avro, Protobuf, JSON Schema): parse a schema
 * text with the texts of its references, give the string to store and compare, and list the
 * reasons a new schema cannot read (or be read by) an old one. One module per format beside this.
 */
export type SchemaType = "AVRO" | "PROTOBUF" | "JSON";
export const SCHEMA_TYPES: readonly SchemaType[] = ["JSON", "PROTOBUF", "AVRO"];

/** A reference as the REST API and _schemas carry it: the name the schema uses for it, and where it lives. */
export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

/** A referenced schema, resolved: its reference name and text (and its own references, resolved, before it). */
export interface ResolvedReference {
  name: string;
  schemaType: SchemaType;
  schema: string;
}

export interface ParsedSchema {
  readonly type: SchemaType;
  /** The text stored and served: the schema as given, in compact form (or normalised, with normalize=true). */
  readonly canonical: string;
  /** A form two equivalent schemas share (for lookups with normalize=true). */
  readonly normalized: string;
}

export interface SchemaFormat<P extends ParsedSchema = ParsedSchema> {
  readonly type: SchemaType;
  /** Throws an Error whose message says what is wrong (the caller answers 42201). */
  parse(text: string, references: readonly ResolvedReference[], normalize: boolean): P;
  /**
   * Why data written with `writer` cannot be read with `reader` (empty: it can). Each reason is
   * one line in Confluent's shape: {errorType:'...', description:'...', additionalInfo:'...'}.
   */
  readerIncompatibilities(reader: P, writer: P): string[];
}

export function reason(errorType: string, description: string, additionalInfo?: string): string {
  return `{errorType:'${errorType}', description:'${description}'${additionalInfo !== undefined ? `, additionalInfo:'${additionalInfo}'` : ""}}`;
}
