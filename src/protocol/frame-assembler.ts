/**
 * Client-side framing: collects socket chunks and cuts them into size-prefixed frames
 * (`size:INT32 payload`), returning payloads without their prefix. Pure, no I/O; used by the test
 * and benchmark clients. (The broker's own connection frames requests itself, because it also
 * reserves request memory and reuses Produce buffers.)
 */
export class FrameAssembler {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  /** Size of the frame being assembled, or -1 while its prefix is incomplete. */
  private need = -1;

  /** Reused for frames that span chunks when the caller is done with each frame before the next. */
  private scratch: Uint8Array | null = null;

  constructor(
    private readonly maxFrameBytes = 512 * 1024 * 1024,
    /** Sequential request/response use (one request in flight): reuse one buffer for assembly. */
    private readonly reuseBuffer = false,
  ) {}

  /** Adds a chunk; returns the frames it completed (without their size prefixes). */
  push(chunk: Uint8Array, out: Uint8Array[]): void {
    if (chunk.length > 0) this.chunks.push(chunk);
    this.bytes += chunk.length;
    for (;;) {
      if (this.need < 0) {
        if (this.bytes < 4) return;
        const head = this.take(4);
        this.need = new DataView(head.buffer, head.byteOffset, 4).getInt32(0);
        if (this.need < 0 || this.need > this.maxFrameBytes) throw new Error(`bad frame size ${this.need}`);
      }
      if (this.bytes < this.need) return;
      out.push(this.take(this.need));
      this.need = -1;
    }
  }

  /** Removes the first n buffered bytes (n <= this.bytes); copies only when they span chunks. */
  private take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    this.bytes -= n;
    const first = this.chunks[0];
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    let out: Uint8Array;
    if (this.reuseBuffer) {
      // Fresh memory costs page faults on every large response; a consumer that is done with a
      // frame before it asks for the next can assemble them all in one buffer, as clients do.
      if (this.scratch === null || this.scratch.length < n) this.scratch = new Uint8Array(Math.max(n, (this.scratch?.length ?? 0) * 2));
      out = this.scratch.subarray(0, n);
    } else {
      out = new Uint8Array(n);
    }
    let o = 0;
    while (o < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

