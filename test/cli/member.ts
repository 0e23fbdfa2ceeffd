/**
 * A kafkajs consumer-group member in its own Node process (scripts/kafkajs-member.mjs), for the
 * group commands: `ready` resolves with the first JSON line it prints (the offsets it read), and
 * `stop()` makes it leave the group and waits for it to exit (SIGKILL after 20 s).
 */
import { join } from "node:path";
import { NODE } from "../clients/clients.ts";

export interface Member {
  ready: Promise<{ ready: boolean; offsets: Record<string, number[]> }>;
  stop(): Promise<void>;
}

export function startMember(bootstrap: string, topic: string, group: string, count: number): Member {
  const proc = Bun.spawn([NODE, join(import.meta.dir, "scripts", "kafkajs-member.mjs"), bootstrap, topic, group, String(count)], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  const ready = (async () => {
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    if (!text.includes("\n")) throw new Error(`kafkajs member exited without output: ${await new Response(proc.stderr).text()}`);
    return JSON.parse(text.split("\n")[0]!);
  })();
  return {
    ready,
    async stop() {
      try {
        proc.stdin.write("stop\n");
        await proc.stdin.end();
      } catch {
        // already gone
      }
      const killer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      await proc.exited;
      clearTimeout(killer);
    },
  };
}

/** Retries `fn` until it returns without throwing (new topics take a moment to reach every broker). */
export async function eventually<T>(what: string, fn: () => Promise<T>, attempts = 100, backoffMs = 200): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (error) {
      last = error;
      await Bun.sleep(backoffMs);
    }
  }
  throw new Error(`${what}: ${(last as Error)?.message ?? last}`);
}
