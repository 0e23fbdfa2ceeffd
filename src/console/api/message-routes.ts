/**
 * Message viewer routes:
 *
 *   GET  /api/topics/:topic/messages   one page: ?partitions=0,1&start=earliest|latest|offset|timestamp
 *                                      &offset=N&timestamp=MS&limit=N&keyFormat=&valueFormat=
 *                                      -> {messages, positions:[{partition, next, end}]}
 *   POST /api/topics/:topic/search     a JS filter over messages from a start: {code, partitions,
 *                                      start, offset, timestamp, limit, maxScanned, keyFormat,
 *                                      valueFormat} -> {messages, scanned, error?}; the page
 *                                      cancels it by aborting the request
 *   GET  /api/topics/:topic/export     every message from the start to the log end as it was,
 *                                      streamed (format=ndjson|json|csv), one Fetch held at a time
 *   GET  /api/topics/:topic/tail       live tail over SSE (events "messages", "error"), from the
 *                                      log end on; at most CONSOLE_MAX_STREAMS_PER_CLIENT per client
 *   POST /api/topics/:topic/messages   produce {partition?, key, value, headers:[{key,value}],
 *                                      keyFormat, valueFormat} (text|json|base64|hex)
 */
import { streamSSE } from "hono/streaming";
import type { ConsumedRecord } from "../../cli/records.ts";
import {
  CONSOLE_FILTER_MEMORY_BYTES,
  CONSOLE_FILTER_TIMEOUT_MS,
  CONSOLE_MAX_FILTER_SCANNED,
  CONSOLE_MAX_HEADERS,
  CONSOLE_MAX_MESSAGES_PER_PAGE,
  CONSOLE_MAX_STREAMS,
  CONSOLE_MAX_STREAMS_PER_CLIENT,
  CONSOLE_SSE_KEEPALIVE_MS,
} from "../../limits.ts";
import type { Role } from "../auth.ts";
import { runFilter, type FilterMessage } from "../filter-sandbox/index.ts";
import { decode, DECODE_FORMATS, type DecodeFormat, type SchemaCache } from "./decode.ts";
import type { App, ConsoleDeps } from "./deps.ts";
import { badRequest, ConsoleError } from "./errors.ts";
import { bigintOf, int, optStr, queryInt, readBody, str, topicParam, type Body } from "./input.ts";
import { BYTES_FORMATS, encodeBytes, positions, produce, scan, type BytesFormat, type Start } from "./messages.ts";

const FILTER_CHUNK = 2000;

function parsePartitions(raw: string | undefined | null): number[] | null {
  if (raw === undefined || raw === null || raw === "" || raw === "all") return null;
  const parts = raw.split(",");
  if (parts.length > 10_000 || parts.some((p) => !/^\d{1,9}$/.test(p.trim()))) throw badRequest(`"partitions" must be "all" or a comma-separated list of partition numbers`);
  return [...new Set(parts.map((p) => Number(p.trim())))];
}

function parseStart(get: (k: string) => unknown): Start {
  const kind = String(get("start") ?? "earliest");
  switch (kind) {
    case "earliest":
    case "latest":
      return { kind };
    case "offset":
      return { kind, offset: bigintOf(get("offset"), "offset") };
    case "timestamp":
      return { kind, timestampMs: bigintOf(get("timestamp"), "timestamp") };
    default:
      throw badRequest(`"start" must be earliest, latest, offset or timestamp, not "${kind.slice(0, 50)}"`);
  }
}

function format(v: unknown, what: string): DecodeFormat {
  const f = String(v ?? "auto");
  if (!(DECODE_FORMATS as readonly string[]).includes(f)) throw badRequest(`"${what}" must be one of ${DECODE_FORMATS.join(", ")}`);
  return f as DecodeFormat;
}

const headerText = (v: Uint8Array | null) => (v === null ? null : Buffer.from(v).toString("utf8"));

export async function shown(r: ConsumedRecord, keyFormat: DecodeFormat, valueFormat: DecodeFormat, schemas: SchemaCache) {
  return {
    partition: r.partition,
    offset: r.offset.toString(),
    timestamp: Number(r.timestamp),
    key: await decode(r.key, keyFormat, schemas),
    value: await decode(r.value, valueFormat, schemas),
    headers: r.headers.map((h) => ({ key: h.key, value: headerText(h.value) })),
    sizeBytes: (r.key?.length ?? 0) + (r.value?.length ?? 0),
  };
}
export type ShownMessage = Awaited<ReturnType<typeof shown>>;

function csvCell(v: string | number | null): string {
  const s = v === null ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function messageRoutes(app: App, deps: ConsoleDeps, need: (r: Role) => any): void {
  const streams = new Map<string, number>();
  let streamsTotal = 0;

  app.get("/api/topics/:topic/messages", async (c) => {
    const topic = topicParam(c);
    const q = (k: string) => c.req.query(k);
    const limit = queryInt(c, "limit", 1, CONSOLE_MAX_MESSAGES_PER_PAGE, 100);
    const keyFormat = format(q("keyFormat"), "keyFormat");
    const valueFormat = format(q("valueFormat"), "valueFormat");
    const start = parseStart(q);
    const client = deps.client();
    const pos = await positions(client, topic, parsePartitions(q("partitions")), start, limit);
    const got: ConsumedRecord[] = [];
    // Newest: each partition's last `limit`, merged, the newest `limit` kept; otherwise in order from the start.
    for await (const batch of scan(client, topic, pos, { signal: c.req.raw.signal, stats: deps.stats })) {
      for (const r of batch) got.push(r);
      if (start.kind !== "latest" && got.length >= limit) break;
    }
    let list = got;
    if (start.kind === "latest") list = got.sort((a, b) => Number(b.timestamp - a.timestamp) || Number(b.offset - a.offset)).slice(0, limit);
    else list = got.slice(0, limit);
    const next = new Map<number, bigint>();
    for (const r of list) if ((next.get(r.partition) ?? -1n) < r.offset + 1n) next.set(r.partition, r.offset + 1n);
    const messages = [];
    for (const r of list) messages.push(await shown(r, keyFormat, valueFormat, deps.schemas));
    return c.json({
      topic,
      messages,
      positions: pos.map((p) => ({ partition: p.partition, earliest: p.earliest.toString(), end: p.end.toString(), next: (next.get(p.partition) ?? p.offset).toString() })),
    });
  });

  app.post("/api/topics/:topic/search", async (c) => {
    const topic = topicParam(c);
    const b = await readBody(c);
    const code = str(b, "code", { maxLength: 64 * 1024 });
    const limit = int(b, "limit", 1, CONSOLE_MAX_MESSAGES_PER_PAGE, 100);
    const maxScanned = int(b, "maxScanned", 1, CONSOLE_MAX_FILTER_SCANNED, 100_000);
    const keyFormat = format(b.keyFormat, "keyFormat");
    const valueFormat = format(b.valueFormat, "valueFormat");
    const start = parseStart((k) => b[k]);
    const partitions = b.partitions === undefined || b.partitions === null ? null : Array.isArray(b.partitions) ? parsePartitions(b.partitions.join(",")) : parsePartitions(String(b.partitions));
    const client = deps.client();
    const signal = c.req.raw.signal;
    const pos = await positions(client, topic, partitions, start, maxScanned);
    const found: ShownMessage[] = [];
    let scanned = 0;
    let error: { kind: string; message: string } | undefined;
    let pending: ConsumedRecord[] = [];
    const flush = async () => {
      const chunk = pending;
      pending = [];
      const shownChunk: ShownMessage[] = [];
      const inputs: FilterMessage[] = [];
      for (const r of chunk) {
        const m = await shown(r, keyFormat, valueFormat, deps.schemas);
        shownChunk.push(m);
        inputs.push({ topic, partition: m.partition, offset: m.offset, timestamp: m.timestamp, key: m.key?.text ?? null, value: m.value?.text ?? null, headers: Object.fromEntries(m.headers.map((h) => [h.key, h.value ?? ""])) });
      }
      const res = await runFilter(code, inputs, { timeoutMs: CONSOLE_FILTER_TIMEOUT_MS, memoryBytes: CONSOLE_FILTER_MEMORY_BYTES, maxScanned: maxScanned - scanned }, signal);
      scanned += res.scanned;
      for (const i of res.matched) if (found.length < limit) found.push(shownChunk[i]!);
      if (res.error) error = res.error;
    };
    outer: for await (const batch of scan(client, topic, pos, { signal, stats: deps.stats })) {
      for (const r of batch) {
        pending.push(r);
        if (pending.length >= FILTER_CHUNK || scanned + pending.length >= maxScanned) {
          await flush();
          if (error || found.length >= limit || scanned >= maxScanned) break outer;
        }
      }
    }
    if (!error && pending.length && found.length < limit && scanned < maxScanned) await flush();
    if (error?.kind === "syntax") throw badRequest(`the filter does not compile: ${error.message}`);
    return c.json({ topic, messages: found, scanned, matched: found.length, error: error ?? null, positions: pos.map((p) => ({ partition: p.partition, next: p.offset.toString(), end: p.end.toString() })) });
  });

  app.get("/api/topics/:topic/export", async (c) => {
    const topic = topicParam(c);
    const q = (k: string) => c.req.query(k);
    const fmt = q("format") ?? "ndjson";
    if (!["ndjson", "json", "csv"].includes(fmt)) throw badRequest(`"format" must be ndjson, json or csv`);
    const keyFormat = format(q("keyFormat"), "keyFormat");
    const valueFormat = format(q("valueFormat"), "valueFormat");
    const client = deps.client();
    const pos = await positions(client, topic, parsePartitions(q("partitions")), parseStart(q), 0);
    const abort = new AbortController();
    c.req.raw.signal.addEventListener("abort", () => abort.abort());
    const it = scan(client, topic, pos, { signal: abort.signal, stats: deps.stats });
    const enc = new TextEncoder();
    let first = true;
    let ended = false;
    const body = new ReadableStream<Uint8Array>(
      {
        async start(ctl) {
          if (fmt === "json") ctl.enqueue(enc.encode("["));
          if (fmt === "csv") ctl.enqueue(enc.encode("partition,offset,timestamp,key,value,headers\r\n"));
        },
        // One Fetch per pull: the stream holds one answer at a time and waits for the reader.
        async pull(ctl) {
          if (ended) return;
          try {
            const { done, value } = await it.next();
            if (done) {
              ended = true;
              if (fmt === "json") ctl.enqueue(enc.encode("]\n"));
              ctl.close();
              return;
            }
            let out = "";
            for (const r of value) {
              const m = await shown(r, keyFormat, valueFormat, deps.schemas);
              if (fmt === "csv") out += [m.partition, m.offset, m.timestamp, m.key?.text ?? null, m.value?.text ?? null, JSON.stringify(m.headers)].map(csvCell).join(",") + "\r\n";
              else if (fmt === "json") out += (first ? "\n" : ",\n") + JSON.stringify(m);
              else out += JSON.stringify(m) + "\n";
              first = false;
            }
            ctl.enqueue(enc.encode(out));
          } catch (e) {
            ended = true;
            ctl.error(e);
          }
        },
        cancel() {
          abort.abort();
          void it.return(undefined);
        },
      },
      { highWaterMark: 1 },
    );
    const type = fmt === "csv" ? "text/csv; charset=utf-8" : fmt === "json" ? "application/json" : "application/x-ndjson";
    return new Response(body, { headers: { "content-type": type, "content-disposition": `attachment; filename="${topic}.${fmt === "ndjson" ? "jsonl" : fmt}"`, "cache-control": "no-store" } });
  });

  app.get("/api/topics/:topic/tail", async (c) => {
    const topic = topicParam(c);
    const q = (k: string) => c.req.query(k);
    const keyFormat = format(q("keyFormat"), "keyFormat");
    const valueFormat = format(q("valueFormat"), "valueFormat");
    const key = c.get("clientKey");
    if ((streams.get(key) ?? 0) >= CONSOLE_MAX_STREAMS_PER_CLIENT) throw new ConsoleError(429, `at most ${CONSOLE_MAX_STREAMS_PER_CLIENT} live tails per client; close one first`);
    if (streamsTotal >= CONSOLE_MAX_STREAMS) throw new ConsoleError(429, `at most ${CONSOLE_MAX_STREAMS} live tails in all`);
    const client = deps.client();
    const pos = await positions(client, topic, parsePartitions(q("partitions")), { kind: "latest" }, 0);
    streams.set(key, (streams.get(key) ?? 0) + 1);
    streamsTotal++;
    const abort = new AbortController();
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => abort.abort());
      // A comment line now and then keeps a quiet tail's socket from being closed as idle.
      const keepAlive = setInterval(() => void stream.write(": keep-alive\n\n").catch(() => abort.abort()), CONSOLE_SSE_KEEPALIVE_MS);
      try {
        await stream.writeSSE({ event: "ready", data: JSON.stringify({ positions: pos.map((p) => ({ partition: p.partition, next: p.offset.toString() })) }) });
        for await (const batch of scan(client, topic, pos, { follow: true, followWaitMs: 500, signal: abort.signal, stats: deps.stats })) {
          const list = [];
          for (const r of batch.slice(-CONSOLE_MAX_MESSAGES_PER_PAGE)) list.push(await shown(r, keyFormat, valueFormat, deps.schemas));
          await stream.writeSSE({ event: "messages", data: JSON.stringify(list) });
          if (abort.signal.aborted) break;
        }
      } catch (e) {
        if (!abort.signal.aborted) await stream.writeSSE({ event: "error", data: JSON.stringify({ message: (e as Error).message }) }).catch(() => {});
      } finally {
        clearInterval(keepAlive);
        abort.abort();
        const n = (streams.get(key) ?? 1) - 1;
        if (n <= 0) streams.delete(key);
        else streams.set(key, n);
        streamsTotal--;
      }
    });
  });

  app.post("/api/topics/:topic/messages", need("editor"), async (c) => {
    const topic = topicParam(c);
    const b = await readBody(c);
    const bytesFormat = (v: unknown, what: string): BytesFormat => {
      const f = String(v ?? "text");
      if (!(BYTES_FORMATS as string[]).includes(f)) throw badRequest(`"${what}" must be one of ${BYTES_FORMATS.join(", ")}`);
      return f as BytesFormat;
    };
    const headersRaw = b.headers ?? [];
    if (!Array.isArray(headersRaw) || headersRaw.length > CONSOLE_MAX_HEADERS) throw badRequest(`"headers" must be a list of at most ${CONSOLE_MAX_HEADERS} {key, value}`);
    const headers = headersRaw.map((h, i) => {
      if (!h || typeof h !== "object" || typeof (h as Body).key !== "string") throw badRequest(`headers[${i}] must be {key: string, value: string|null}`);
      const v = (h as Body).value;
      if (v !== null && v !== undefined && typeof v !== "string") throw badRequest(`headers[${i}].value must be a string or null`);
      return { key: (h as Body).key as string, value: v === null || v === undefined ? null : new TextEncoder().encode(v) };
    });
    const partition = b.partition === undefined || b.partition === null || b.partition === "" ? null : int(b, "partition", 0, 2 ** 31 - 1);
    const key = encodeBytes(optStr(b, "key"), bytesFormat(b.keyFormat, "keyFormat"), "the key");
    const value = encodeBytes(optStr(b, "value"), bytesFormat(b.valueFormat, "valueFormat"), "the value");
    return c.json(await produce(deps.client(), topic, { partition, key, value, headers }), 201);
  });
}
