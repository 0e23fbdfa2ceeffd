/**
 * The package's published types (package.json exports "types": src/embed/types/*.d.ts) as a user's
 * TypeScript project sees them: strict, no Bun types, skipLibCheck off, under moduleResolution
 * nodenext (and bundler with TAKHIN_EMBED_FULL=1: each tsc run takes seconds here); a wrong call
 * must be an error (a @ts-expect-error that is not needed fails).
 */
import { expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/broker.ts";

const ROOT = join(import.meta.dir, "..", "..");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

const USE = `import { startBroker, startCluster, ErrorCode, type EmbeddedBroker, type ReadRecord } from "takhin";
import { waitFor, startBroker as startFromTesting } from "takhin/testing";
const b: EmbeddedBroker = await startBroker({ config: { num_partitions: 2 }, logLevel: "warn" });
const offsets = await b.admin.listOffsets("t");
const latest: bigint = offsets[0]!.latest;
const records: ReadRecord[] = await b.admin.readRecords("t", { partition: 0, fromOffset: 0n, maxRecords: 5 });
const clear: () => Promise<void> = await b.faults.failProduce("t", { errorCode: "NOT_LEADER_OR_FOLLOWER", afterAppend: true });
await clear();
const c = await startCluster(3);
const leader: number = await c.faults.moveLeadership("t", 0);
await waitFor("x", 10, async () => true);
const code: number | undefined = ErrorCode.NOT_COORDINATOR;
// @ts-expect-error moveLeadership is for clusters
await b.faults.moveLeadership("t", 0);
// @ts-expect-error the port is a number
const port: string = (await startFromTesting()).port;
await b.stop();
void latest; void records; void leader; void code; void port;
`;

const MODES = process.env.TAKHIN_EMBED_FULL === "1" ? ([["nodenext", "nodenext"], ["bundler", "preserve"]] as const) : ([["nodenext", "nodenext"]] as const);
for (const [resolution, module] of MODES) {
  test(`the types check in a user's strict project (moduleResolution ${resolution})`, async () => {
    const dir = tempDir("takhin-types-");
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT, join(dir, "node_modules", "takhin"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(dir, "use.ts"), USE);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module, moduleResolution: resolution, target: "es2022", noEmit: true, types: [], skipLibCheck: false }, files: ["use.ts"] }));
    const p = Bun.spawn(["node", TSC, "-p", dir], { cwd: dir, stdout: "pipe", stderr: "pipe" });
    const out = (await new Response(p.stdout).text()) + (await new Response(p.stderr).text());
    const code = await p.exited;
    if (code !== 0) console.error(out);
    expect(code).toBe(0);
  }, 60_000);
}
