/**
 * The metadata image as the state machine of a replicated log: every node applies the same
 * committed entries in the same order and so holds the same image at the same log index. Pure — no
 * Raft, no I/O — so the simulator runs exactly the code the brokers run.
 *
 * ## Entry and snapshot formats (UTF-8 JSON, records in the JSON form of records.ts)
 *   batch entry:  {"records": [<record>...]}           one controller decision, applied all-or-nothing
 *   snapshot:     {"offset": <int>, "records": [...]}  MetadataImage.toRecords() of the image at `offset`
 * An empty entry (a Raft leader's no-op) or a conf entry changes nothing. The image's offset is the
 * log index of the last batch applied.
 *
 * ## A batch that does not fit
 * The active controller decides records from an image that contains every committed entry, so a
 * batch that does not replay (MetadataReplayError) or does not decode is a bug or a corrupt entry.
 * It is skipped — the image stays as it was — and counted; since replay is deterministic every node
 * skips the same entry, and images stay identical (which the simulator checks).
 */
import { applyBatch, MetadataImage, MetadataReplayError, type MetadataChanges } from "./image.ts";
import { decodeRecord, RecordFormatError, recordToJson, type MetadataRecord } from "./records.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

export function encodeBatchEntry(records: readonly MetadataRecord[]): Uint8Array {
  return enc.encode(JSON.stringify({ records: records.map(recordToJson) }));
}

function decodeRecords(data: Uint8Array): {
  offset: number | null;
  records: MetadataRecord[];
} {
  let doc: unknown;
  try {
    doc = JSON.parse(dec.decode(data));
  } catch (e) {
    throw new RecordFormatError(`metadata entry is not JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null || !Array.isArray((doc as { records?: unknown }).records))
    throw new RecordFormatError("metadata entry has no records list");
  const o = doc as { offset?: unknown; records: unknown[] };
  const offset = typeof o.offset === "number" && Number.isSafeInteger(o.offset) ? o.offset : null;
  return { offset, records: o.records.map(decodeRecord) };
}

export function decodeBatchEntry(data: Uint8Array): MetadataRecord[] {
  return decodeRecords(data).records;
}

export function encodeImageSnapshot(image: MetadataImage): Uint8Array {
  return enc.encode(
    JSON.stringify({
      offset: image.offset,
      records: image.toRecords().map(recordToJson),
    }),
  );
}

export function decodeImageSnapshot(data: Uint8Array): MetadataImage {
  const { offset, records } = decodeRecords(data);
  if (offset === null) throw new RecordFormatError("metadata snapshot has no offset");
  if (records.length === 0) return MetadataImage.EMPTY;
  return applyBatch(MetadataImage.EMPTY, offset, records).image;
}

export interface AppliedBatch {
  readonly image: MetadataImage;
  readonly previous: MetadataImage;
  readonly changes: MetadataChanges;
}

export class ReplicatedImage {
  image: MetadataImage = MetadataImage.EMPTY;
  /** Log index of the last entry applied (or covered by the restored snapshot). */
  appliedIndex = 0;
  /** Entries skipped because they did not decode or replay (see the header). */
  skipped = 0;
  lastSkipReason = "";

  /** Replaces the state with a snapshot taken at log index `index`. */
  restore(index: number, data: Uint8Array): void {
    this.image = decodeImageSnapshot(data);
    this.appliedIndex = index;
  }

  /** Applies the committed entry at `index`; returns the batch applied, or null when it changed nothing. */
  apply(index: number, kind: "normal" | "conf", data: Uint8Array): AppliedBatch | null {
    if (index !== this.appliedIndex + 1) throw new Error(`metadata entry ${index} applied after ${this.appliedIndex}`);
    this.appliedIndex = index;
    if (kind !== "normal" || data.length === 0) return null;
    let records: MetadataRecord[];
    try {
      records = decodeBatchEntry(data);
      if (records.length === 0) return null;
      const previous = this.image;
      const { image, changes } = applyBatch(previous, index, records);
      this.image = image;
      return { image, previous, changes };
    } catch (e) {
      if (!(e instanceof MetadataReplayError) && !(e instanceof RecordFormatError)) throw e;
      this.skipped++;
      this.lastSkipReason = `entry ${index}: ${e.message}`;
      return null;
    }
  }
}
