/**
 * Serving the console app with Bun.serve: one place for the options both the broker's service and
 * the standalone `takhin console` use (no server-wide body cap beyond the app's own bound, an idle
 * timeout longer than a live tail's keep-alive, operator-readable bind errors).
 */
import type { Server } from "bun";
import { OperatorError } from "../server/lifecycle.ts";
import type { ConsoleApp } from "./app.ts";

export function serveConsole(c: ConsoleApp, host: string, port: number, onError: (e: Error) => void): Server<undefined> {
  try {
    return Bun.serve({
      hostname: host,
      port,
      maxRequestBodySize: 4 * 1024 * 1024,
      // Live tails send a comment every CONSOLE_SSE_KEEPALIVE_MS when quiet; sockets idle this long close.
      idleTimeout: 120,
      fetch: c.app.fetch,
      error(e) {
        onError(e);
        return Response.json({ error: { status: 500, code: "INTERNAL", message: "Internal Server Error" } }, { status: 500 });
      },
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new OperatorError(`port ${port} on ${host} is already in use (console_port / TAKHIN_CONSOLE_PORT; -1 turns the console off)`);
    if (code === "EACCES") throw new OperatorError(`no permission to listen on port ${port} on ${host} (console_port)`);
    throw e;
  }
}
