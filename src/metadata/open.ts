/**
 * Opening the metadata of one node at start: the metadata log is read (torn tail cut, corruption
 * refused), and a log without any batch is bootstrapped with one first batch — the metadata.version
 * feature, plus the contents of the legacy catalogue files when the data directory predates the
 * metadata log (upgrade in place; the old files are then renamed to *.migrated). A crash before
 * that first batch is durable leaves an empty log and the old files, and the next start does the
 * same again.
 */
import { join } from "node:path";
import { LocalController } from "./controller.ts";
import { readLegacyCatalogue, legacyRecords, retireLegacyFiles } from "./legacy.ts";
import { MetadataLog, type MetadataLogOptions, type MetadataRecovery } from "./metadata-log.ts";
import { METADATA_VERSION_FEATURE, TAKHIN_METADATA_VERSION, type MetadataRecord } from "./records.ts";

/** The folder of the data directory holding the metadata log (and, before it, the catalogue). */
export const METADATA_DIR = "__takhin";

export interface OpenMetadataOptions extends MetadataLogOptions {
  /** Validates a topic's config overrides from a legacy file (throws with the reason). */
  checkTopicConfigs?: (configs: Record<string, string>) => void;
  /** Failures that do not fail an operation (a failed log rewrite). */
  onError?: (message: string, error: unknown) => void;
}

export interface OpenedMetadata {
  controller: LocalController;
  recovery: MetadataRecovery;
  /** Legacy files converted at this start, if any. */
  upgradedFrom: string[];
}

export function openMetadata(dataDir: string, nodeId: number, opts: OpenMetadataOptions = {}): OpenedMetadata {
  const dir = join(dataDir, METADATA_DIR);
  const { log, image, recovery } = MetadataLog.open(dir, opts);
  const controller = new LocalController(nodeId, log, image, opts.onError);
  let upgradedFrom: string[] = [];
  if (image.offset < 0) {
    try {
      const legacy = readLegacyCatalogue(dir, opts.checkTopicConfigs);
      const records: MetadataRecord[] = [{ type: "FeatureLevel", name: METADATA_VERSION_FEATURE, featureLevel: TAKHIN_METADATA_VERSION }];
      if (legacy) records.push(...legacyRecords(legacy, nodeId));
      controller.commit(records);
      if (legacy) {
        retireLegacyFiles(legacy, dir);
        upgradedFrom = legacy.files;
      }
    } catch (e) {
      controller.close();
      throw e;
    }
  }
  return { controller, recovery, upgradedFrom };
}
