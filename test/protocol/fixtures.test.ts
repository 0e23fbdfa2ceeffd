/**
 * Request frames recorded from real clients (test/fixtures/requests, written by
 * scripts/capture-fixtures.ts). For each one: the header parses and matches the manifest, our codec
 * decodes the body at that version consuming exactly every byte, re-encoding the decoded body gives
 * the identical bytes, and a running broker answers the frame with the same correlation id and a
 * response that decodes cleanly.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { API_BY_KEY } from "../../src/protocol/apis.ts";
import { codecFor, isFlexible } from "../../src/protocol/codec.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { readHeaderPrefix, readHeaderRest, responseHeaderIsV1, writeRequestHeader } from "../../src/protocol/header.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { RawClient, removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const FIXTURES_DIR = join(import.meta.dir, "..", "fixtures", "requests");

interface FrameEntry {
  seq: number;
  connection: number;
  apiKey: number;
  apiName: string;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  bytes: number;
  file: string;
}

interface Manifest {
  client: string;
  version: string;
  librdkafka?: string;
  frames: FrameEntry[];
}

const clients = readdirSync(FIXTURES_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function loadManifest(client: string): Manifest {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, client, "manifest.json"), "utf8"));
}

function loadFrame(client: string, file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES_DIR, client, file)));
}

interface ParsedFrame {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  headerTaggedFields: number;
  bodyStart: number;
}

function parseHeader(frame: Uint8Array): ParsedFrame {
  const r = new Reader(frame);
  const prefix = readHeaderPrefix(r);
  const api = API_BY_KEY.get(prefix.apiKey);
  if (!api) throw new Error(`api key ${prefix.apiKey} has no schema`);
  const flexible = isFlexible(api.request, prefix.apiVersion);
  const afterPrefix = r.pos;
  r.string(false);
  const headerTaggedFields = flexible ? r.uvarint() : 0;
  r.pos = afterPrefix;
  const clientId = readHeaderRest(r, flexible);
  return { ...prefix, clientId, headerTaggedFields, bodyStart: r.pos };
}

function withSizePrefix(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(frame.length + 4);
  new DataView(out.buffer).setInt32(0, frame.length);
  out.set(frame, 4);
  return out;
}

let tb: TestBroker;
beforeAll(async () => {
  tb = await startTestBroker();
  tb.broker.context.topics.create("fixture-topic", 2);
  tb.broker.context.topics.create("fixture.other_topic", 1);
});
afterAll(async () => {
  await tb.stop();
  removeDir(tb.dataDir);
});

test("fixtures exist for every captured client", () => {
  expect(clients).toEqual(["confluent-kafka-python", "kafka-python", "kafkajs", "kcat", "platformatic"]);
});

for (const client of clients) {
  describe(`fixtures from ${client}`, () => {
    const manifest = loadManifest(client);

    test("manifest lists exactly the files on disk, and the client starts with ApiVersions", () => {
      expect(manifest.client).toBe(client);
      expect(manifest.version).toBeTruthy();
      expect(manifest.frames.length).toBeGreaterThan(0);
      const files = readdirSync(join(FIXTURES_DIR, client)).filter((f) => f.endsWith(".bin")).sort();
      expect(manifest.frames.map((f) => f.file).sort()).toEqual(files);
      expect(manifest.frames[0].apiKey).toBe(18);
    });

    for (const entry of manifest.frames) {
      test(`${entry.file}: header matches, body decodes whole and re-encodes byte-exact`, () => {
        const frame = loadFrame(client, entry.file);
        expect(frame.length).toBe(entry.bytes);
        const h = parseHeader(frame);
        expect({ apiKey: h.apiKey, apiVersion: h.apiVersion, correlationId: h.correlationId, clientId: h.clientId }).toEqual({
          apiKey: entry.apiKey,
          apiVersion: entry.apiVersion,
          correlationId: entry.correlationId,
          clientId: entry.clientId,
        });
        const api = API_BY_KEY.get(h.apiKey)!;
        expect(api.name).toBe(entry.apiName);
        const flexible = isFlexible(api.request, h.apiVersion);

        // None of these clients sends header tagged fields; if one starts to, the header
        // re-encode below would differ and this names the reason.
        expect(h.headerTaggedFields).toBe(0);
        const hw = new Writer();
        writeRequestHeader(hw, { apiKey: h.apiKey, apiVersion: h.apiVersion, correlationId: h.correlationId, clientId: h.clientId }, flexible);
        expect(hw.toBytes()).toEqual(frame.subarray(0, h.bodyStart));

        const codec = codecFor(api.request, h.apiVersion);
        const r = new Reader(frame, h.bodyStart);
        const body = codec.decode(r);
        expect(r.remaining).toBe(0);

        const w = new Writer();
        codec.encode(w, body);
        expect(Buffer.from(w.toBytes()).toString("hex")).toBe(Buffer.from(frame.subarray(h.bodyStart)).toString("hex"));
      });
    }

    test("a running broker answers every frame with its correlation id and a clean response", async () => {
      // One connection per recorded client connection, frames in their recorded order.
      const byConn = new Map<number, FrameEntry[]>();
      for (const e of manifest.frames) byConn.set(e.connection, [...(byConn.get(e.connection) ?? []), e]);
      for (const entries of byConn.values()) {
        const c = await RawClient.connect(tb.port);
        try {
          for (const e of entries) {
            const before = c.frames.length;
            c.write(withSizePrefix(loadFrame(client, e.file)));
            const frames = await c.waitFrames(before + 1);
            if (frames.length <= before) throw new Error(`${e.file}: no response (closed=${c.closed})`);
            const api = API_BY_KEY.get(e.apiKey)!;
            const r = new Reader(frames[before]);
            expect(r.int32()).toBe(e.correlationId);
            if (responseHeaderIsV1(e.apiKey, isFlexible(api.response, e.apiVersion))) expect(r.uvarint()).toBe(0);
            const body = codecFor(api.response, e.apiVersion).decode(r);
            expect(r.remaining).toBe(0);
            if (e.apiKey === 18 || e.apiKey === 60) expect(body.errorCode).toBe(ErrorCode.NONE);
            if (e.apiKey === 3) {
              expect(body.brokers).toHaveLength(1);
              expect(body.brokers[0].port).toBe(tb.port);
              for (const t of body.topics) expect(t.errorCode).toBe(ErrorCode.NONE);
            }
          }
          expect(c.closed).toBe(false);
        } finally {
          c.close();
        }
      }
    });
  });
}
