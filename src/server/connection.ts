/**
 * One client connection: size-prefixed framing, in-order responses, write backpressure.
 *
 *   frame    := size:INT32 payload:size bytes
 *   payload  := request header (header.ts) request body (schema of api_key at api_version)
 *   response := size:INT32 response header response body
 *
 * Requests are dispatched as soon as their frame is complete, so several may be in flight; their
 * responses are written strictly in request order (a later fast response waits for an earlier
 * slow one). Reading pauses while too many requests are unanswered, too many response bytes are
 * queued behind a slow reader, or the broker's request memory is spent (request-memory.ts), and
 * resumes when they drain.
 *
 * Authentication (src/security): on a SASL listener a ConnectionAuthenticator decides every
 * request until the client has logged in — ApiVersions passes, SaslHandshake / SaslAuthenticate are
 * answered by it (not by the middleware chain and handlers), anything else closes the connection;
 * after a v0 handshake the frames are raw SASL tokens (size + token, answered the same way). A
 * failed login's answer waits the failed-login delay, then the connection closes. Before login a
 * frame may be at most sasl.server.max.receive.size. On a TLS listener the principal comes from the
 * client certificate once the handshake is done (SSL), or from the SASL login (SASL_SSL).
 *
 * What closes the connection (and only this connection): a frame size that is negative, smaller
 * than a header or above socket.request.max.bytes; an API key or version the broker does not serve
 * (except ApiVersions, answered with a v0 body and UNSUPPORTED_VERSION, as Kafka does); a header
 * or body that does not decode; a failed request that has no response to carry its error (Produce
 * with acks=0, as Kafka). A handler (or middleware) that throws answers UNKNOWN_SERVER_ERROR
 * instead, in the API's error form (registry.errorResponse, error-responses.ts).
 */
import type { Socket } from "bun";
import { MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, MAX_PENDING_WRITE_BYTES_PER_CONNECTION } from "../limits.ts";
import { codecFor, isFlexible } from "../protocol/codec.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { API_VERSIONS_KEY, readHeaderPrefix, readHeaderRest, responseHeaderIsV1, writeResponseHeader } from "../protocol/header.ts";
import { ApiVersions } from "../protocol/messages/api-versions.ts";
import { DecodeError, Reader } from "../protocol/reader.ts";
import type { MessageDef } from "../protocol/schema.ts";
import { SPLICE_THRESHOLD_BYTES, Writer } from "../protocol/writer.ts";
import type { Logger } from "../util/log.ts";
import type { BrokerContext, ConnectionInfo, ListenerEndpoint, RequestContext } from "./context.ts";
import { NO_RESPONSE, type Handler } from "./registry.ts";
import { writeBehindHolds } from "../storage/index.ts";
import { ANONYMOUS } from "../security/principal.ts";
import { ConnectionAuthenticator } from "../security/authenticator.ts";
import { usesSasl, usesTls } from "../security/listeners.ts";
import type { PeerInfo } from "../security/tls.ts";
import { SASL_AUTHENTICATION_MAX_MS } from "../limits.ts";

/** Smallest payload that can hold a request header prefix (api key, version, correlation id). */
const MIN_FRAME_BYTES = 8;
const PRODUCE_KEY = 0;
/** Small response chunks are gathered into writes of up to this size (fewer socket writes). */
const WRITE_GATHER_BYTES = 256 * 1024;

interface Slot {
  correlationId: number;
  /** Encoded response ready to write; null while the handler runs. */
  chunks: Uint8Array[] | null;
  done: boolean;
  /** The reusable frame buffer this request's frame was assembled in, handed back when it is answered. */
  assembly?: Uint8Array;
}

/** Spare Produce frame buffers a connection keeps besides the current one (bounded memory per connection). */
const MAX_SPARE_ASSEMBLIES = 2;

export class Connection {
  readonly info: ConnectionInfo;
  private readonly log: Logger;
  /** Received bytes not yet framed (fresh buffers from Bun, safe to keep). */
  private inChunks: Uint8Array[] = [];
  private inBytes = 0;
  private readonly slots: Slot[] = [];
  private outQueue: Uint8Array[] = [];
  private outBytes = 0;
  private paused = false;
  /**
   * Reused to assemble Produce frames that arrive in several reads: fresh memory for every 1 MiB
   * request was a large share of produce time (page faults on new allocations). It is reused after
   * a request that completed synchronously, or, for one answered later, once it was answered and
   * storage's write-behind no longer writes from it (writeBehindHolds): nothing refers to its bytes.
   */
  private assembly: Uint8Array | null = null;
  /** Frame buffers handed back by answered requests, for the next frames (at most MAX_SPARE_ASSEMBLIES). */
  private readonly spareAssemblies: Uint8Array[] = [];
  /** Bytes of the frame being received that are reserved in the broker's request memory. */
  private reservedBytes = 0;
  /** Paused because the broker's request memory was spent (see request-memory.ts). */
  private waitingForMemory = false;
  private readonly retryAfterMemory = () => {
    this.waitingForMemory = false;
    if (!this.closed) this.frameLoop();
  };
  closed = false;
  /** The SASL state machine on a SASL listener; null elsewhere. */
  readonly auth: ConnectionAuthenticator | null = null;
  private authTimer: ReturnType<typeof setTimeout> | null = null;
  /** Runs when a quota mute (info.mutedUntilMs) ends: reading resumes then. */
  private muteTimer: ReturnType<typeof setTimeout> | null = null;
  private failTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly socket: Socket<unknown>,
    private readonly broker: BrokerContext,
    id: number,
    private readonly onIdle: () => void,
    readonly listener: ListenerEndpoint,
  ) {
    this.info = { id, remoteAddress: socket.remoteAddress, principal: ANONYMOUS, listenerName: listener.name, securityProtocol: listener.securityProtocol };
    this.log = broker.log.child({ conn: id, remote: socket.remoteAddress });
    if (usesSasl(listener.securityProtocol)) {
      const info = this.info;
      this.auth = new ConnectionAuthenticator(broker.security, socket.remoteAddress, { get: () => info.principal, set: (p) => (info.principal = p) }, this.log);
      this.authTimer = setTimeout(() => {
        if (!this.auth!.authenticated && !this.closed) {
          this.log.warn("closing connection: no SASL authentication in time", { limitMs: SASL_AUTHENTICATION_MAX_MS });
          this.close();
        }
      }, SASL_AUTHENTICATION_MAX_MS);
      this.authTimer.unref?.();
    }
  }

  /** A TLS listener's handshake finished (Bun's handshake callback). */
  onTlsHandshake(success: boolean, error: Error | null): void {
    const tls = this.broker.security.tls;
    if (!success || !tls || !usesTls(this.listener.securityProtocol)) {
      this.log.info("closing connection: TLS handshake failed", { error: error?.message });
      this.close();
      return;
    }
    const verdict = tls.principalOf(this.socket as unknown as PeerInfo);
    if ("refuse" in verdict) {
      this.log.warn("closing connection: client certificate refused", { reason: verdict.refuse });
      this.broker.security.failures.failed(this.info.remoteAddress);
      this.close();
      return;
    }
    // On SASL_SSL the SASL login decides the principal.
    if (!this.auth) {
      this.info.principal = verdict.principal;
      this.log.debug("TLS connection", { principal: `${verdict.principal.type}:${verdict.principal.name}` });
    }
  }

  onData(data: Uint8Array): void {
    if (this.closed) return;
    this.inChunks.push(data);
    this.inBytes += data.length;
    this.frameLoop();
  }

  private frameLoop(): void {
    while (!this.closed && this.inBytes >= 4 && this.slots.length < MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION && !this.muted()) {
      if (this.auth?.state === "failed") {
        // A failed login: nothing more is read; the connection closes after the delay.
        this.inChunks = [];
        this.inBytes = 0;
        break;
      }
      const size = this.peekSize();
      const preAuth = this.auth !== null && !this.auth.authenticated;
      const maxBytes = preAuth ? this.broker.config.saslServerMaxReceiveSize : this.broker.config.socketRequestMaxBytes;
      const minBytes = this.auth?.state === "raw" ? 0 : MIN_FRAME_BYTES;
      if (size < minBytes || size > maxBytes) {
        this.log.warn(preAuth ? "closing connection: bad frame size before authentication" : "closing connection: bad frame size", { sizeBytes: size, maxBytes });
        this.close();
        return;
      }
      if (this.reservedBytes === 0) {
        if (!this.broker.requestMemory.tryReserve(size)) {
          this.waitingForMemory = true;
          this.broker.requestMemory.waitForRoom(this.retryAfterMemory);
          break;
        }
        this.reservedBytes = size;
      }
      if (this.inBytes < 4 + size) break;
      this.skip(4);
      const reusable = this.peekApiKey() === PRODUCE_KEY;
      const frame = this.take(size, reusable);
      const reserved = this.reservedBytes;
      this.reservedBytes = 0;
      let finished: boolean;
      try {
        finished = this.auth?.state === "raw" ? this.rawSaslToken(frame) : this.dispatch(frame);
      } finally {
        this.broker.requestMemory.release(reserved);
      }
      // A frame assembled in the shared buffer whose request is still running keeps that buffer.
      if (reusable && !finished && this.assembly !== null && frame.buffer === this.assembly.buffer) {
        // dispatch's pending request is the last slot: it hands the buffer back when answered.
        const slot = this.slots[this.slots.length - 1];
        if (slot !== undefined && !slot.done) slot.assembly = this.assembly;
        this.assembly = null;
      }
    }
    this.updatePause();
  }

  private peekSize(): number {
    const first = this.inChunks[0];
    if (first.length >= 4) return new DataView(first.buffer, first.byteOffset, 4).getInt32(0);
    const b = new Uint8Array(4);
    let o = 0;
    for (const c of this.inChunks) {
      for (let i = 0; i < c.length && o < 4; i++) b[o++] = c[i];
      if (o === 4) break;
    }
    return new DataView(b.buffer).getInt32(0);
  }

  /** The api key of the frame at the front of the input (its size prefix already skipped). */
  private peekApiKey(): number {
    let hi = -1;
    for (const c of this.inChunks) {
      for (let i = 0; i < c.length; i++) {
        if (hi < 0) hi = c[i];
        else return (hi << 8) | c[i];
      }
    }
    return -1;
  }

  private skip(n: number): void {
    this.take(n, false);
  }

  /**
   * Removes n bytes from the front of the input, without copying when one chunk holds them;
   * otherwise assembled into new memory, or into the reusable buffer when `reusable`.
   */
  private take(n: number, reusable: boolean): Uint8Array {
    this.inBytes -= n;
    const first = this.inChunks[0];
    if (first.length >= n) {
      if (first.length === n) this.inChunks.shift();
      else this.inChunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    let out: Uint8Array;
    if (reusable) {
      if (this.assembly === null || this.assembly.length < n) {
        const spare = this.spareAssemblies.pop();
        if (spare !== undefined && spare.length >= n) this.assembly = spare;
      }
      if (this.assembly === null || this.assembly.length < n) {
        this.assembly = new Uint8Array(Math.min(Math.max(n, (this.assembly?.length ?? 0) * 2), this.broker.config.socketRequestMaxBytes));
      }
      out = this.assembly.subarray(0, n);
    } else {
      out = new Uint8Array(n);
    }
    let o = 0;
    while (o < n) {
      const c = this.inChunks[0];
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) this.inChunks.shift();
      else this.inChunks[0] = c.subarray(k);
    }
    return out;
  }

  /** Handles one request frame; returns true when it completed (or was refused) synchronously. */
  private dispatch(frame: Uint8Array): boolean {
    const r = new Reader(frame);
    const { apiKey, apiVersion, correlationId } = readHeaderPrefix(r);
    if (this.auth) {
      const a = this.auth.admit(apiKey);
      if (a.kind === "close") {
        this.log.warn("closing connection: " + a.reason, { apiKey, apiVersion });
        this.close();
        return true;
      }
      if (a.kind === "intercept") return this.saslRequest(r, apiKey, apiVersion, correlationId);
    }
    const registry = this.broker.registry;
    const handler = registry.get(apiKey);
    if (!handler || !registry.supports(apiKey, apiVersion)) {
      if (apiKey === API_VERSIONS_KEY) {
        this.answerUnsupportedApiVersions(correlationId, apiVersion);
        return true;
      }
      this.log.warn("closing connection: unsupported api", { apiKey, apiVersion, served: handler ? `${handler.minVersion}-${handler.maxVersion}` : "none" });
      this.close();
      return true;
    }
    let clientId: string | null;
    let request: unknown;
    try {
      clientId = readHeaderRest(r, isFlexible(handler.api.request, apiVersion));
      request = codecFor(handler.api.request, apiVersion).decode(r);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.log.warn("closing connection: malformed request", { api: handler.api.name, apiVersion, correlationId, error: e.message });
      this.close();
      return true;
    }
    const slot: Slot = { correlationId, chunks: null, done: false };
    this.slots.push(slot);
    const ctx: RequestContext = { broker: this.broker, connection: this.info, api: handler.api, apiKey, apiVersion, correlationId, clientId };
    let result: unknown;
    try {
      result = this.broker.middleware.run(ctx, handler, request);
    } catch (e) {
      this.fail(slot, handler, request, apiVersion, e);
      return true;
    }
    if (result instanceof Promise) {
      result.then(
        (res) => {
          this.complete(slot, handler, request, apiVersion, res);
          this.recycleAssembly(slot);
        },
        (e) => {
          this.fail(slot, handler, request, apiVersion, e);
          this.recycleAssembly(slot);
        },
      );
      return false;
    }
    this.complete(slot, handler, request, apiVersion, result);
    return true;
  }

  /** SaslHandshake / SaslAuthenticate (and ApiVersions mid-login) on a SASL listener, answered by the connection's authenticator. */
  private saslRequest(r: Reader, apiKey: number, apiVersion: number, correlationId: number): boolean {
    const handler = this.broker.registry.get(apiKey);
    if (!handler || !this.broker.registry.supports(apiKey, apiVersion)) {
      this.log.warn("closing connection: unsupported SASL request version", { apiKey, apiVersion });
      this.close();
      return true;
    }
    let request: { mechanism?: string; authBytes?: Uint8Array };
    try {
      readHeaderRest(r, isFlexible(handler.api.request, apiVersion));
      request = codecFor(handler.api.request, apiVersion).decode(r) as typeof request;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.log.warn("closing connection: malformed SASL request", { api: handler.api.name, apiVersion, error: e.message });
      this.close();
      return true;
    }
    const auth = this.auth!;
    const answer =
      apiKey === 17 ? auth.handshake(request.mechanism ?? "", apiVersion) : apiKey === 18 ? auth.apiVersionsDuringAuthentication() : auth.authenticate(request.authBytes ?? new Uint8Array(0), apiVersion);
    const slot: Slot = { correlationId, chunks: null, done: false };
    this.slots.push(slot);
    const v1 = responseHeaderIsV1(handler.api.apiKey, isFlexible(handler.api.response, apiVersion));
    const chunks = encodeResponse(handler.api.response, apiVersion, correlationId, v1, answer.body);
    if (answer.closeAfterMs !== undefined) {
      this.closeAfterDelay(answer.closeAfterMs, () => {
        slot.chunks = chunks;
        slot.done = true;
        this.flushSlots();
      });
      return true;
    }
    slot.chunks = chunks;
    slot.done = true;
    this.flushSlots();
    if (answer.closeAfterSend) this.close();
    return true;
  }

  /** A raw SASL token (after a v0 SaslHandshake): answered as size + token, or closed on failure. */
  private rawSaslToken(frame: Uint8Array): boolean {
    const r = this.auth!.rawToken(frame);
    if ("closeAfterMs" in r) {
      this.closeAfterDelay(r.closeAfterMs, () => {});
      return true;
    }
    const out = new Uint8Array(4 + r.reply.length);
    new DataView(out.buffer).setInt32(0, r.reply.length);
    out.set(r.reply, 4);
    this.write(out);
    return true;
  }

  /** A failed login: after `delayMs` (longer for an address that keeps failing) send what is due and close. */
  private closeAfterDelay(delayMs: number, beforeClose: () => void): void {
    this.failTimer = setTimeout(() => {
      this.failTimer = null;
      if (this.closed) return;
      beforeClose();
      this.close();
    }, delayMs);
  }

  /** Kafka's answer to an ApiVersions version it does not know: a v0 body, error 35, all keys. */
  private answerUnsupportedApiVersions(correlationId: number, apiVersion: number): void {
    this.log.debug("ApiVersions of unsupported version answered with v0", { apiVersion });
    const slot: Slot = { correlationId, chunks: null, done: false };
    this.slots.push(slot);
    const body = { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: this.broker.registry.versions(), throttleTimeMs: 0 };
    slot.chunks = encodeResponse(ApiVersions.response, 0, correlationId, false, body);
    slot.done = true;
    this.flushSlots();
  }

  /** An answered request's frame buffer goes back to the spares unless a write-behind write still reads it. */
  private recycleAssembly(slot: Slot): void {
    const buf = slot.assembly;
    if (buf === undefined) return;
    slot.assembly = undefined;
    if (this.closed || writeBehindHolds(buf.buffer)) return;
    if (this.spareAssemblies.length < MAX_SPARE_ASSEMBLIES) this.spareAssemblies.push(buf);
  }

  private complete(slot: Slot, handler: Handler, request: unknown, version: number, response: unknown): void {
    if (this.closed) return;
    if (response === NO_RESPONSE) {
      slot.done = true;
      this.flushSlots();
      return;
    }
    try {
      const v1 = responseHeaderIsV1(handler.api.apiKey, isFlexible(handler.api.response, version));
      slot.chunks = encodeResponse(handler.api.response, version, slot.correlationId, v1, response);
    } catch (e) {
      this.fail(slot, handler, request, version, e);
      return;
    }
    slot.done = true;
    this.flushSlots();
  }

  private fail(slot: Slot, handler: Handler, request: unknown, version: number, error: unknown): void {
    if (this.closed) return;
    if ((error as { closeConnection?: unknown } | null)?.closeConnection === true) {
      // A middleware's refusal of a request that has no response (the authoriser and Produce acks=0).
      this.log.info("closing connection: request refused without a response", { api: handler.api.name, apiVersion: version, reason: (error as Error).message });
      this.close();
      return;
    }
    this.log.error("handler failed; answering UNKNOWN_SERVER_ERROR", {
      api: handler.api.name,
      apiVersion: version,
      correlationId: slot.correlationId,
      error,
    });
    try {
      const body = this.broker.registry.errorResponse(handler, request, version, ErrorCode.UNKNOWN_SERVER_ERROR);
      if (body === null) {
        // Kafka closes here too: Produce with acks=0 has no response to carry the error.
        this.log.warn("closing connection: the failed request has no response to carry an error", { api: handler.api.name, apiVersion: version });
        this.close();
        return;
      }
      const v1 = responseHeaderIsV1(handler.api.apiKey, isFlexible(handler.api.response, version));
      slot.chunks = encodeResponse(handler.api.response, version, slot.correlationId, v1, body);
      slot.done = true;
      this.flushSlots();
    } catch (e) {
      this.log.error("closing connection: could not encode an error response", { api: handler.api.name, error: e });
      this.close();
    }
  }

  private flushSlots(): void {
    let ready: Uint8Array[] | null = null;
    while (this.slots.length > 0 && this.slots[0].done) {
      const slot = this.slots.shift()!;
      if (slot.chunks) (ready ??= []).push(...slot.chunks);
    }
    if (ready) this.writeGathered(ready);
    // Answering may have freed room for frames that were already received.
    if (this.inBytes >= 4) this.frameLoop();
    else this.updatePause();
  }

  /**
   * Writes chunks in order, copying runs of small chunks into one buffer so that pipelined
   * responses go out in one socket write; large chunks (spliced record views) go as they are.
   */
  private writeGathered(chunks: Uint8Array[]): void {
    let run: Uint8Array[] = [];
    let runBytes = 0;
    const flushRun = () => {
      if (run.length === 1) this.write(run[0]);
      else if (run.length > 1) {
        const joined = new Uint8Array(runBytes);
        let o = 0;
        for (const c of run) {
          joined.set(c, o);
          o += c.length;
        }
        this.write(joined);
      }
      run = [];
      runBytes = 0;
    };
    for (const c of chunks) {
      if (c.length >= SPLICE_THRESHOLD_BYTES) {
        flushRun();
        this.write(c);
        continue;
      }
      if (runBytes + c.length > WRITE_GATHER_BYTES) flushRun();
      run.push(c);
      runBytes += c.length;
    }
    flushRun();
  }

  private write(chunk: Uint8Array): void {
    if (this.closed || chunk.length === 0) return;
    if (this.outQueue.length > 0) {
      this.outQueue.push(chunk);
      this.outBytes += chunk.length;
      return;
    }
    const n = this.socket.write(chunk);
    if (n < 0) {
      this.close();
      return;
    }
    if (n < chunk.length) {
      this.outQueue.push(chunk.subarray(n));
      this.outBytes += chunk.length - n;
    }
  }

  onDrain(): void {
    while (this.outQueue.length > 0 && !this.closed) {
      const chunk = this.outQueue[0];
      const n = this.socket.write(chunk);
      if (n < 0) {
        this.close();
        return;
      }
      this.outBytes -= Math.max(n, 0);
      if (n < chunk.length) {
        this.outQueue[0] = chunk.subarray(n);
        break;
      }
      this.outQueue.shift();
    }
    if (this.inBytes >= 4) this.frameLoop();
    else this.updatePause();
    if (this.slots.length === 0 && this.outQueue.length === 0) this.onIdle();
  }

  /**
   * KIP-219: while a client-quota throttle runs (info.mutedUntilMs, set by the quota middleware)
   * the connection is muted — no request is read from it (the socket is paused, frames already
   * received wait) until the time passes; a timer then resumes reading. Other connections are
   * not affected.
   */
  private muted(): boolean {
    const waitMs = (this.info.mutedUntilMs ?? 0) - Date.now();
    if (waitMs <= 0) return false;
    if (!this.muteTimer) {
      this.muteTimer = setTimeout(() => {
        this.muteTimer = null;
        if (!this.closed) this.frameLoop();
      }, waitMs);
      this.muteTimer.unref?.();
    }
    return true;
  }

  private updatePause(): void {
    const shouldPause =
      this.muted() ||
      this.waitingForMemory ||
      this.slots.length >= MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION ||
      this.outBytes >= MAX_PENDING_WRITE_BYTES_PER_CONNECTION;
    if (shouldPause && !this.paused) {
      this.socket.pause();
      this.paused = true;
    } else if (!shouldPause && this.paused) {
      this.socket.resume();
      this.paused = false;
    }
    if (this.slots.length === 0 && this.outQueue.length === 0) this.onIdle();
  }

  /** True when nothing is being handled or waiting to be written. */
  get quiet(): boolean {
    return this.slots.length === 0 && this.outQueue.length === 0;
  }

  /** Gives back this connection's share of the request memory (on close). */
  private releaseMemory(): void {
    if (this.waitingForMemory) this.broker.requestMemory.forget(this.retryAfterMemory);
    this.waitingForMemory = false;
    if (this.reservedBytes > 0) this.broker.requestMemory.release(this.reservedBytes);
    this.reservedBytes = 0;
  }

  private clearTimers(): void {
    if (this.authTimer) clearTimeout(this.authTimer);
    if (this.failTimer) clearTimeout(this.failTimer);
    if (this.muteTimer) clearTimeout(this.muteTimer);
    this.authTimer = this.failTimer = this.muteTimer = null;
  }

  close(): void {
    if (this.closed) return;
    this.clearTimers();
    this.releaseMemory();
    this.closed = true;
    this.inChunks = [];
    this.outQueue = [];
    this.socket.end();
  }

  onClosed(): void {
    this.clearTimers();
    this.releaseMemory();
    this.closed = true;
    this.inChunks = [];
    this.outQueue = [];
  }
}

/** Encodes size + response header + body; the size is patched into the first chunk. */
export function encodeResponse(def: MessageDef, version: number, correlationId: number, headerV1: boolean, body: unknown): Uint8Array[] {
  const w = new Writer(512);
  w.int32(0);
  writeResponseHeader(w, correlationId, headerV1);
  codecFor(def, version).encode(w, body);
  const total = w.length;
  const chunks = w.finish();
  new DataView(chunks[0].buffer, chunks[0].byteOffset, 4).setInt32(0, total - 4);
  return chunks;
}
