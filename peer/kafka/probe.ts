/**
 * Readiness probes for a Kafka-compatible broker: one Metadata v1 request over a fresh socket
 * (brokers only, or every topic). Uses our protocol codecs only.
 */
import { codecFor } from "../../src/protocol/codec.ts";
import { FrameAssembler } from "../../src/protocol/frame-assembler.ts";
import { writeRequestHeader } from "../../src/protocol/header.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";

const METADATA_VERSION = 1;

/** The subset of a Metadata v1 answer the probes read. */
export interface MetadataV1Answer {
  brokers: { nodeId: number }[];
  topics: { name: string; errorCode: number; partitions: { errorCode: number; leaderId: number }[] }[];
}

/**
 * One Metadata v1 request over a fresh socket: `topics` [] asks for brokers only, null for every
 * topic. The decoded answer, or null when none came within `timeoutMs` (or it did not decode).
 */
export async function metadataV1(host: string, port: number, topics: [] | null, timeoutMs = 2000): Promise<MetadataV1Answer | null> {
  const w = new Writer();
  w.int32(0);
  writeRequestHeader(w, { apiKey: Metadata.apiKey, apiVersion: METADATA_VERSION, correlationId: 1, clientId: "takhin-peer-probe" }, false);
  codecFor(Metadata.request, METADATA_VERSION).encode(w, { topics });
  const frame = w.toBytes();
  new DataView(frame.buffer, frame.byteOffset).setInt32(0, frame.length - 4);

  return await new Promise<MetadataV1Answer | null>((resolve) => {
    const assembler = new FrameAssembler(64 * 1024 * 1024);
    let done = false;
    let sock: { end(): void } | null = null;
    const finish = (v: MetadataV1Answer | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock?.end();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    Bun.connect({
      hostname: host,
      port,
      socket: {
        open(s) {
          sock = s;
          s.write(frame);
        },
        data(_s, data) {
          const frames: Uint8Array[] = [];
          try {
            assembler.push(data, frames);
            if (frames.length === 0) return;
            const r = new Reader(frames[0]!);
            r.int32(); // correlation id
            finish(codecFor(Metadata.response, METADATA_VERSION).decode(r) as MetadataV1Answer);
          } catch {
            finish(null);
          }
        },
        close: () => finish(null),
        error: () => finish(null),
        connectError: () => finish(null),
      },
    }).catch(() => finish(null));
  });
}

/** The broker ids a Metadata answer names, or null when the broker did not answer within `timeoutMs`. */
export async function metadataBrokers(host: string, port: number, timeoutMs = 2000): Promise<number[] | null> {
  const answer = await metadataV1(host, port, [], timeoutMs);
  return answer ? answer.brokers.map((b) => b.nodeId) : null;
}

/** A free TCP port on `host` (bound and released; racy by nature, as every such helper is). */
export function freePort(host = "127.0.0.1"): number {
  const l = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}
