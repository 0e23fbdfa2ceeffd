/**
 * A real S3-compatible server for the tiered-storage tests (s3rver, on a free loopback port, files
 * in a temp folder) and a fault-injecting HTTP proxy in front of it: every request is passed on
 * to s3rver unless the proxy's `fault` says otherwise:
 *   "none"        pass through
 *   "unreachable" the proxy stops listening (connection refused) until the fault is cleared
 *   "slow"        each request waits `slowMs` before it is passed on
 *   "error"       503 SlowDown with an S3 error body, nothing reaches s3rver
 *   "truncate"    GET bodies are cut to half their length (the headers say so: a short body);
 *                 PUT bodies reach s3rver cut to half (as if the transfer lost its tail)
 *   "corrupt"     GET bodies have one byte flipped (the length is right: only a checksum can tell)
 * `onlyMethod` narrows a fault to GETs (reads) or PUTs (uploads); `times` limits it to that many
 * matching requests, after which the store is healthy again (a fault a client must ride out). Counts of what was seen and
 * faulted let a test prove the fault was exercised.
 */
import S3rver from "s3rver";
import { tempDir } from "../helpers/broker.ts";

export type Fault = "none" | "unreachable" | "slow" | "error" | "truncate" | "corrupt";

export interface S3Harness {
  /** The proxy's URL: what the broker is configured with. */
  endpoint: string;
  /** s3rver's own URL (no faults). */
  directEndpoint: string;
  bucket: string;
  fault: Fault;
  onlyMethod: "GET" | "PUT" | null;
  slowMs: number;
  seen: { GET: number; PUT: number; DELETE: number; other: number };
  faulted: number;
  /** Matching requests left to fault (Infinity: until cleared). */
  remaining: number;
  setFault(fault: Fault, onlyMethod?: "GET" | "PUT" | null, times?: number): void;
  /** A Bun S3 client straight to s3rver (to inspect what was uploaded). */
  client(): Bun.S3Client;
  close(): Promise<void>;
}

export async function startS3(bucket = "takhin-tiered"): Promise<S3Harness> {
  const dir = tempDir("takhin-s3-");
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
  const info = (await server.run()) as { port: number };
  const directEndpoint = `http://127.0.0.1:${info.port}`;
  let proxy: ReturnType<typeof Bun.serve> | null = null;
  let proxyPort = 0;
  const h: S3Harness = {
    endpoint: "",
    directEndpoint,
    bucket,
    fault: "none",
    onlyMethod: null,
    slowMs: 300,
    seen: { GET: 0, PUT: 0, DELETE: 0, other: 0 },
    faulted: 0,
    remaining: Infinity,
    setFault(fault, onlyMethod = null, times = Infinity) {
      h.fault = fault;
      h.onlyMethod = onlyMethod;
      h.remaining = times;
      if (fault === "unreachable" && proxy) {
        proxy.stop(true);
        proxy = null;
      } else if (fault !== "unreachable" && !proxy) {
        listen();
      }
    },
    client: () => new Bun.S3Client({ endpoint: directEndpoint, bucket, accessKeyId: "S3RVER", secretAccessKey: "S3RVER", region: "us-east-1" }),
    async close() {
      proxy?.stop(true);
      await server.close();
    },
  };
  const listen = () => {
    proxy = Bun.serve({
      hostname: "127.0.0.1",
      port: proxyPort,
      idleTimeout: 30,
      async fetch(req) {
        const url = new URL(req.url);
        const method = req.method as keyof S3Harness["seen"];
        if (method === "GET" || method === "PUT" || method === "DELETE") h.seen[method]++;
        else h.seen.other++;
        const applies = h.fault !== "none" && h.remaining > 0 && (h.onlyMethod === null || h.onlyMethod === req.method);
        const fault: Fault = applies ? h.fault : "none";
        if (applies && --h.remaining <= 0) h.fault = "none";
        if (fault === "slow") await Bun.sleep(h.slowMs);
        if (fault === "error") {
          h.faulted++;
          return new Response(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected fault</Message></Error>`, { status: 503, headers: { "content-type": "application/xml" } });
        }
        const headers = new Headers(req.headers);
        headers.delete("host");
        let body: ArrayBuffer | Uint8Array | undefined = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
        if (fault === "truncate" && req.method === "PUT" && body) {
          h.faulted++;
          body = new Uint8Array(body).subarray(0, Math.floor(body.byteLength / 2));
          headers.set("content-length", String(body.byteLength));
        }
        const upstream = await fetch(`${directEndpoint}${url.pathname}${url.search}`, { method: req.method, headers, body, redirect: "manual" });
        const out = new Headers(upstream.headers);
        out.delete("content-encoding");
        out.delete("transfer-encoding");
        if (req.method === "GET" && upstream.ok && (fault === "truncate" || fault === "corrupt")) {
          const bytes = new Uint8Array(await upstream.arrayBuffer());
          h.faulted++;
          if (fault === "truncate") {
            const cut = bytes.subarray(0, Math.floor(bytes.length / 2));
            out.set("content-length", String(cut.length));
            return new Response(cut, { status: upstream.status, headers: out });
          }
          if (bytes.length > 0) bytes[Math.floor(bytes.length / 2)]! ^= 0x5a;
          return new Response(bytes, { status: upstream.status, headers: out });
        }
        return new Response(upstream.body, { status: upstream.status, headers: out });
      },
    });
    proxyPort = proxy.port!;
    h.endpoint = `http://127.0.0.1:${proxyPort}`;
  };
  listen();
  return h;
}
