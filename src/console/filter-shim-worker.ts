/** The worker of filter-sandbox-shim.ts (temporary): evaluates the filter body over the messages it is sent. */
const scope = globalThis as unknown as { postMessage(v: unknown): void; onmessage: ((e: MessageEvent) => void) | null };
const g = globalThis as Record<string, unknown>;
const post = scope.postMessage.bind(scope);
for (const name of ["process", "Bun", "fetch", "require", "WebSocket", "Worker", "XMLHttpRequest", "importScripts", "navigator", "Deno", "module", "exports", "__dirname", "__filename"]) {
  try {
    delete g[name];
    Object.defineProperty(g, name, { value: undefined, writable: false, configurable: false });
  } catch {
    // Not deletable: leave it.
  }
}
scope.onmessage = (e: MessageEvent) => {
  const { code, messages } = e.data as { code: string; messages: { key: string | null; value: string | null; headers: Record<string, string>; offset: string; partition: number; timestamp: number }[] };
  let fn: (...a: unknown[]) => unknown;
  try {
    fn = new Function("value", "key", "headers", "offset", "partition", "timestamp", `"use strict";\n${code}`) as typeof fn;
  } catch (err) {
    post({ matched: [], scanned: 0, error: { kind: "syntax", message: (err as Error).message } });
    return;
  }
  const matched: number[] = [];
  let scanned = 0;
  try {
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      scanned++;
      if (fn(m.value, m.key, { ...m.headers }, m.offset, m.partition, m.timestamp)) matched.push(i);
    }
  } catch (err) {
    post({ matched, scanned, error: { kind: "runtime", message: String((err as Error)?.message ?? err) } });
    return;
  }
  post({ matched, scanned });
};
