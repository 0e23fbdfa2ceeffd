/** Rewrites docs/compatibility.md from the allow-list: `bun test/differential/write-doc.ts`. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderCompatibilityDoc } from "./compat-doc.ts";

const file = join(import.meta.dir, "..", "..", "docs", "compatibility.md");
writeFileSync(file, renderCompatibilityDoc());
console.log(`wrote ${file}`);
