/**
 * Writes everything to a socket in order, keeping what the socket did not accept until `drain`
 * calls flush() (a socket's write may take fewer bytes than asked). Bytes written before a socket
 * is attached wait for it. Used by the test proxies that sit between clients and the broker.
 */
import type { Socket } from "bun";

export class Outbox {
  private pending: Uint8Array[] = [];

  constructor(private socket: Socket<any> | null = null) {}

  attach(socket: Socket<any>): void {
    this.socket = socket;
    this.flush();
  }

  write(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.flush();
  }

  flush(): void {
    if (!this.socket) return;
    while (this.pending.length > 0) {
      const head = this.pending[0];
      const n = this.socket.write(head);
      if (n < head.length) {
        this.pending[0] = head.subarray(Math.max(0, n));
        return;
      }
      this.pending.shift();
    }
  }
}
