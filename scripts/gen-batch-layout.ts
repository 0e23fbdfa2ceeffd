/**
 * Writes native/src/batch_layout.h from src/protocol/batch-layout.ts (the one definition of the
 * batch header layout). Run after changing the layout: `bun scripts/gen-batch-layout.ts`;
 * test/protocol/batch-layout.test.ts fails while the header is stale.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { batchLayoutCHeader } from "../src/protocol/batch-layout.ts";

const out = join(import.meta.dir, "..", "native", "src", "batch_layout.h");
writeFileSync(out, batchLayoutCHeader());
console.log(`wrote ${out}`);
