/**
 * The file-backed Raft store on real files in a temp directory: round trips, agreement with the
 * in-memory store on random save sequences, recovery from torn and corrupt tails, the file rewrite,
 * and a Raft cluster restarting from it.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { crc32c } from "../../src/native/index.ts";
import { FileStore, WAL_FILE } from "../../src/raft/file-store.ts";
import { Raft } from "../../src/raft/raft.ts";
import { SeededRandom } from "../../src/raft/rand.ts";
import { MemoryStore, type LogStore } from "../../src/raft/storage.ts";
import type { Entry, HardState, Message, Snapshot } from "../../src/raft/types.ts";

const root = mkdtempSync(join(tmpdir(), "takhin-raft-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirCounter = 0;
const freshDir = (): string => join(root, `s${dirCounter++}`);

const ent = (index: number, term: number, data = `e${index}`): Entry => ({ index, term, kind: "normal", data: new TextEncoder().encode(data) });
const snap = (index: number, term: number, data = "snap"): Snapshot => ({
  meta: { index, term, conf: { voters: [1, 2, 3], learners: [4] } },
  data: new TextEncoder().encode(data),
});

describe("crc32c", () => {
  test("matches the standard check value", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
});

describe("FileStore", () => {
  test("round trip: hard state, snapshot and entries survive reopening", () => {
    const dir = freshDir();
    const s = FileStore.open(dir);
    s.save({ term: 2, vote: 1, commit: 0 }, [ent(1, 1), ent(2, 2)], null);
    s.save({ term: 3, vote: 2, commit: 2 }, [ent(3, 3), { index: 4, term: 3, kind: "conf", data: new Uint8Array([1, 2]) }], null);
    s.save(null, [], snap(2, 2));
    s.close();
    const r = FileStore.open(dir);
    const st = r.load();
    expect(st.hardState).toEqual({ term: 3, vote: 2, commit: 2 });
    expect(st.snapshot!.meta).toEqual({ index: 2, term: 2, conf: { voters: [1, 2, 3], learners: [4] } });
    expect(st.entries.map((e) => [e.index, e.term, e.kind])).toEqual([
      [3, 3, "normal"],
      [4, 3, "conf"],
    ]);
    expect(r.recovery.truncatedBytes).toBe(0);
    r.close();
  });

  test("agrees with the in-memory store on random save sequences (fast-check)", () => {
    const op = fc.record({
      hs: fc.option(fc.record({ term: fc.nat(50), vote: fc.nat(5), commit: fc.nat(40) }), { nil: null }),
      from: fc.integer({ min: 1, max: 40 }),
      count: fc.nat(5),
      term: fc.integer({ min: 1, max: 9 }),
      snapAt: fc.option(fc.integer({ min: 1, max: 40 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const dir = freshDir();
        const file = FileStore.open(dir);
        const mem = new MemoryStore();
        const apply = (s: LogStore, hs: HardState | null, es: Entry[], sn: Snapshot | null): void => s.save(hs, es, sn);
        for (const o of ops) {
          // Keep the sequence well formed: entries continue the stored log or overwrite a suffix.
          const cur = mem.load();
          const firstIdx = cur.snapshot ? cur.snapshot.meta.index + 1 : 1;
          const lastIdx = cur.entries.length > 0 ? cur.entries[cur.entries.length - 1]!.index : firstIdx - 1;
          const from = Math.max(firstIdx, Math.min(o.from, lastIdx + 1));
          const es = Array.from({ length: o.count }, (_, i) => ent(from + i, o.term));
          const sn = o.snapAt !== null && o.snapAt > firstIdx - 1 ? snap(o.snapAt, o.term) : null;
          apply(mem, o.hs, sn ? [] : es, sn);
          apply(file, o.hs, sn ? [] : es, sn);
        }
        file.close();
        const reopened = FileStore.open(dir);
        const a = reopened.load();
        const b = mem.load();
        reopened.close();
        rmSync(dir, { recursive: true, force: true });
        expect(a.hardState).toEqual(b.hardState);
        expect(a.snapshot?.meta ?? null).toEqual(b.snapshot?.meta ?? null);
        expect(a.entries.map((e) => [e.index, e.term])).toEqual(b.entries.map((e) => [e.index, e.term]));
      }),
      { numRuns: 60 },
    );
  });

  function twoRecordStore(): { dir: string; firstRecordBytes: number } {
    const dir = freshDir();
    const s = FileStore.open(dir);
    s.save({ term: 1, vote: 1, commit: 1 }, [ent(1, 1), ent(2, 1)], null);
    const firstRecordBytes = s.fileSizeBytes();
    s.save({ term: 2, vote: 1, commit: 2 }, [ent(3, 2), ent(4, 2)], null);
    s.close();
    return { dir, firstRecordBytes };
  }

  function copyOf(dir: string): string {
    const d = freshDir();
    mkdirSync(d, { recursive: true });
    copyFileSync(join(dir, WAL_FILE), join(d, WAL_FILE));
    return d;
  }

  test("recovery cuts a torn tail (the last record truncated mid-way)", () => {
    const { dir, firstRecordBytes } = twoRecordStore();
    const size = statSync(join(dir, WAL_FILE)).size;
    for (const cutAt of [firstRecordBytes + 3, firstRecordBytes + 8, size - 1]) {
      const d = copyOf(dir);
      truncateSync(join(d, WAL_FILE), cutAt);
      const s = FileStore.open(d);
      expect(s.recovery.truncatedBytes).toBe(cutAt - firstRecordBytes);
      expect(s.load().hardState).toEqual({ term: 1, vote: 1, commit: 1 });
      expect(s.load().entries.map((e) => e.index)).toEqual([1, 2]);
      expect(statSync(join(d, WAL_FILE)).size).toBe(firstRecordBytes);
      // The store keeps working after recovery.
      s.save({ term: 3, vote: 0, commit: 2 }, [ent(3, 3)], null);
      s.close();
      const again = FileStore.open(d);
      expect(again.load().entries.map((e) => [e.index, e.term])).toEqual([
        [1, 1],
        [2, 1],
        [3, 3],
      ]);
      expect(again.recovery.truncatedBytes).toBe(0);
      again.close();
    }
  });

  test("recovery cuts garbage appended after the last record", () => {
    const { dir } = twoRecordStore();
    const d = copyOf(dir);
    appendFileSync(join(d, WAL_FILE), new Uint8Array([0, 0, 0, 5, 1, 2, 3, 4, 9, 9]));
    const s = FileStore.open(d);
    expect(s.recovery.truncatedBytes).toBe(10);
    expect(s.load().entries.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    s.close();
  });

  test("recovery drops a record whose checksum does not match (a flipped bit)", () => {
    const { dir, firstRecordBytes } = twoRecordStore();
    const d = copyOf(dir);
    const path = join(d, WAL_FILE);
    const bytes = new Uint8Array(readFileSync(path));
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0x10;
    writeFileSync(path, bytes);
    const s = FileStore.open(d);
    expect(s.recovery.validBytes).toBe(firstRecordBytes);
    expect(s.load().hardState.term).toBe(1);
    s.close();
  });

  test("a huge length field is treated as corruption, not allocated", () => {
    const d = freshDir();
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, WAL_FILE), new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
    const s = FileStore.open(d);
    expect(s.recovery.records).toBe(0);
    expect(s.load().entries).toEqual([]);
    s.close();
  });

  test("the file is rewritten into one record once it grows, preserving the state", () => {
    const dir = freshDir();
    const s = FileStore.open(dir, { rewriteAboveBytes: 2000 });
    for (let i = 1; i <= 100; i++) s.save({ term: 1, vote: 1, commit: i - 1 }, [ent(i, 1, "x".repeat(20))], null);
    const appendOnlyBytes = 100 * 75; // what 100 separate records take
    expect(s.fileSizeBytes()).toBeLessThan(appendOnlyBytes);
    s.save(null, [], snap(90, 1));
    s.rewrite();
    expect(s.fileSizeBytes()).toBeLessThan(15 * 75);
    s.close();
    const r = FileStore.open(dir);
    expect(r.load().snapshot!.meta.index).toBe(90);
    expect(r.load().entries.map((e) => e.index)).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
    expect(r.load().hardState.commit).toBe(99);
    r.close();
  });

  test("a 3-node cluster on file stores survives a full restart", () => {
    const dirs = [1, 2, 3].map(() => freshDir());
    const start = (id: number, bootstrap: boolean): { raft: Raft; store: FileStore } => {
      const store = FileStore.open(dirs[id - 1]!);
      const raft = new Raft({ id, random: new SeededRandom(id) }, { ...store.load(), bootstrapVoters: bootstrap ? [1, 2, 3] : undefined });
      return { raft, store };
    };
    let nodes = [1, 2, 3].map((id) => start(id, true));
    const applied = new Map<number, string[]>([
      [1, []],
      [2, []],
      [3, []],
    ]);
    const pump = (): void => {
      for (let round = 0; round < 50; round++) {
        const inbox: Message[] = [];
        for (const n of nodes) {
          while (n.raft.hasReady()) {
            const rd = n.raft.ready();
            n.store.save(rd.hardState, rd.entries, rd.snapshot);
            inbox.push(...rd.messages);
            for (const e of rd.committedEntries) if (e.kind === "normal" && e.data.length > 0) applied.get(n.raft.id)!.push(new TextDecoder().decode(e.data));
            n.raft.advance();
          }
        }
        if (inbox.length === 0) return;
        for (const m of inbox) nodes[m.to - 1]!.raft.step(m);
      }
    };
    nodes[0]!.raft.campaign();
    pump();
    expect(nodes[0]!.raft.role).toBe("leader");
    for (let i = 0; i < 5; i++) nodes[0]!.raft.propose(new TextEncoder().encode(`v${i}`));
    pump();
    for (const n of nodes) n.store.close();
    for (const id of [1, 2, 3]) applied.set(id, []);
    nodes = [1, 2, 3].map((id) => start(id, false));
    pump(); // committed entries are re-applied from the log
    nodes[1]!.raft.campaign();
    pump();
    expect(nodes[1]!.raft.role).toBe("leader");
    nodes[1]!.raft.propose(new TextEncoder().encode("after"));
    pump();
    for (const id of [1, 2, 3]) expect(applied.get(id)).toEqual(["v0", "v1", "v2", "v3", "v4", "after"]);
    for (const n of nodes) n.store.close();
  });
});
