/**
 * The message viewer of a topic: choose partitions and where to start (earliest, newest, an
 * offset, a timestamp), decode keys and values (auto, text, JSON, registry formats, msgpack, hex),
 * load a page, follow a live tail (SSE), run a JavaScript filter on the server (cancellable), export
 * the shown messages as JSON or CSV, and produce a message with key, headers and format.
 */
import { api, can, get } from "../api.ts";
import { add, button, clear, download, field, fmtTime, h, input, select, status, table } from "../dom.ts";

interface Decoded {
  as: string;
  text: string;
  schemaId?: number;
  truncated?: boolean;
  error?: string;
}
interface Msg {
  partition: number;
  offset: string;
  timestamp: number;
  key: Decoded | null;
  value: Decoded | null;
  headers: { key: string; value: string | null }[];
}

const FORMATS: [string, string][] = [
  ["auto", "auto"],
  ["text", "text"],
  ["json", "JSON"],
  ["registry", "Avro / Protobuf / JSON Schema (registry)"],
  ["msgpack", "MessagePack"],
  ["hex", "hex"],
  ["base64", "base64"],
];

function cell(d: Decoded | null): Node {
  if (d === null) return h("span", { class: "null" }, "null");
  return h("div", { class: "val" }, h("pre", null, d.text), h("small", { class: "hint" }, d.as + (d.schemaId !== undefined ? ` #${d.schemaId}` : "") + (d.truncated ? " (cut)" : "") + (d.error ? ` – ${d.error}` : "")));
}

export function toCsv(list: Msg[]): string {
  const c = (v: unknown) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return ["partition,offset,timestamp,key,value,headers", ...list.map((m) => [m.partition, m.offset, m.timestamp, m.key?.text ?? null, m.value?.text ?? null, JSON.stringify(m.headers)].map(c).join(","))].join("\r\n") + "\r\n";
}

export async function messagesTab(body: HTMLElement, topic: string, partitionIds: number[]): Promise<void> {
  const base = `/api/topics/${encodeURIComponent(topic)}`;
  const parts = h("select", { multiple: true, size: String(Math.min(4, partitionIds.length + 1)), "aria-label": "Partitions" }, h("option", { value: "all", selected: true }, "all partitions"), ...partitionIds.map((p) => h("option", { value: String(p) }, `partition ${p}`)));
  const start = select([["earliest", "earliest"], ["latest", "newest"], ["offset", "offset"], ["timestamp", "timestamp"]], { "aria-label": "Start" });
  const at = input({ placeholder: "offset or ISO time / ms", "aria-label": "Start offset or timestamp", disabled: true });
  start.addEventListener("change", () => (at.disabled = start.value === "earliest" || start.value === "latest"));
  const limit = input({ type: "number", min: "1", max: "500", value: "50", "aria-label": "Messages per page" });
  const keyFmt = select(FORMATS, { "aria-label": "Key format" });
  const valueFmt = select(FORMATS, { "aria-label": "Value format" });
  const st = status();
  const out = h("div", { id: "messages" });
  let shown: Msg[] = [];
  let tail: EventSource | null = null;
  let searching: AbortController | null = null;

  const partitionsParam = () => {
    const chosen = [...parts.selectedOptions].map((o) => o.value);
    return chosen.length === 0 || chosen.includes("all") ? "all" : chosen.join(",");
  };
  const startParams = (): Record<string, string> => {
    const p: Record<string, string> = { start: start.value };
    if (start.value === "offset") p.offset = at.value.trim();
    if (start.value === "timestamp") p.timestamp = /^\d+$/.test(at.value.trim()) ? at.value.trim() : String(Date.parse(at.value.trim()));
    return p;
  };
  const show = (list: Msg[], note: string) => {
    shown = list;
    clear(
      out,
      h("p", { class: "hint" }, note),
      table(
        ["Partition", "Offset", "Timestamp", "Key", "Value", "Headers"],
        list.map((m) => [String(m.partition), m.offset, fmtTime(m.timestamp), cell(m.key), cell(m.value), m.headers.length ? h("ul", { class: "headers" }, ...m.headers.map((x) => h("li", null, h("code", null, x.key), ": ", x.value ?? "null"))) : "–"]),
        { "aria-label": "Messages", class: "messages" },
      ),
    );
  };
  const load = async () => {
    stopTail();
    st.busy("Loading…");
    try {
      const q = new URLSearchParams({ partitions: partitionsParam(), limit: limit.value, keyFormat: keyFmt.value, valueFormat: valueFmt.value, ...startParams() });
      const r = await get(`${base}/messages?${q}`);
      show(r.messages, `${r.messages.length} message${r.messages.length === 1 ? "" : "s"}`);
      st.clear();
    } catch (e) {
      st.fail((e as Error).message);
    }
  };
  const stopTail = () => {
    tail?.close();
    tail = null;
    tailBtn.textContent = "Live tail";
    tailBtn.setAttribute("aria-pressed", "false");
  };
  const tailBtn = button("Live tail", () => {
    if (tail) return stopTail();
    const q = new URLSearchParams({ partitions: partitionsParam(), keyFormat: keyFmt.value, valueFormat: valueFmt.value });
    tail = new EventSource(`${base}/tail?${q}`);
    tailBtn.textContent = "Stop tail";
    tailBtn.setAttribute("aria-pressed", "true");
    show([], "Live tail: waiting for new messages…");
    tail.addEventListener("messages", (e) => {
      const list = JSON.parse((e as MessageEvent).data) as Msg[];
      const next = [...list.reverse(), ...shown].slice(0, Number(limit.value) || 50);
      show(next, `Live tail: ${next.length} newest message${next.length === 1 ? "" : "s"}`);
    });
    tail.addEventListener("error", (e) => {
      const data = (e as MessageEvent).data;
      if (data) st.fail(`tail: ${JSON.parse(data).message}`);
      else if (tail?.readyState === EventSource.CLOSED) (st.fail("the live tail closed"), stopTail());
    });
  }, { "aria-pressed": "false" });

  const code = h("textarea", { rows: "3", id: "filter-code", "aria-label": "Filter code", spellcheck: "false", placeholder: 'return value !== null && value.includes("error")' });
  const maxScanned = input({ type: "number", min: "1", value: "100000", "aria-label": "Messages to scan at most" });
  const runBtn = button("Run filter", async () => {
    stopTail();
    searching?.abort();
    searching = new AbortController();
    cancelBtn.disabled = false;
    st.busy("Filtering…");
    try {
      const r = await api("POST", `${base}/search`, { code: code.value, partitions: partitionsParam(), limit: Number(limit.value), maxScanned: Number(maxScanned.value), keyFormat: keyFmt.value, valueFormat: valueFmt.value, ...startParams() }, searching.signal);
      show(r.messages, `${r.matched} match${r.matched === 1 ? "" : "es"} in ${r.scanned} scanned`);
      if (r.error) st.fail(`filter stopped: ${r.error.kind}: ${r.error.message}`);
      else st.ok(`Filter done: ${r.matched} of ${r.scanned} messages match.`);
    } catch (e) {
      if ((e as Error).name === "AbortError") st.ok("Filter cancelled.");
      else st.fail((e as Error).message);
    } finally {
      cancelBtn.disabled = true;
      searching = null;
    }
  }, { class: "primary", id: "run-filter" });
  const cancelBtn = button("Cancel", () => searching?.abort(), { disabled: true });

  add(body, 
    h("form", { class: "panel controls", "aria-label": "Which messages", onsubmit: (e: Event) => (e.preventDefault(), void load()) },
      h("div", { class: "row" }, field("Partitions", parts), field("Start at", start), field("Offset / time", at), field("Show at most", limit), field("Key as", keyFmt), field("Value as", valueFmt)),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "load-messages" }, "Load"), tailBtn, button("Export JSON", () => download(`${topic}.json`, "application/json", JSON.stringify(shown, null, 2))), button("Export CSV", () => download(`${topic}.csv`, "text/csv", toCsv(shown))), h("a", { class: "button", href: `${base}/export?format=ndjson` }, "Export whole topic")),
    ),
    h("details", { class: "panel" }, h("summary", null, "JavaScript filter"), h("p", { class: "hint" }, "A function body over value, key, headers, offset, partition and timestamp; return true to keep. It runs on the server in a sandbox, bounded in time, memory and messages scanned."), code, h("div", { class: "row" }, field("Scan at most", maxScanned)), h("div", { class: "actions" }, runBtn, cancelBtn)),
    can("editor") ? produceForm(base, partitionIds, st, load) : null,
    st,
    out,
  );
  await load();
}

function produceForm(base: string, partitionIds: number[], st: ReturnType<typeof status>, reload: () => Promise<void>): HTMLElement {
  const key = input({ name: "key", "aria-label": "Key" });
  const value = h("textarea", { name: "value", rows: "3", "aria-label": "Value" });
  const headers = h("textarea", { name: "headers", rows: "2", placeholder: "name=value, one a line", "aria-label": "Headers" });
  const partition = select([["", "by key"], ...partitionIds.map((p) => [String(p), `partition ${p}`] as [string, string])], { "aria-label": "Partition" });
  const kf = select(["text", "json", "base64", "hex"], { "aria-label": "Key format of the new message" });
  const vf = select(["text", "json", "base64", "hex"], { "aria-label": "Value format of the new message" });
  const form = h("details", { class: "panel", id: "produce" }, h("summary", null, "Produce a message"),
    h("form", { "aria-label": "Produce a message", onsubmit: async (e: Event) => {
      e.preventDefault();
      try {
        const hs = headers.value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
          const i = l.indexOf("=");
          return i < 0 ? { key: l, value: null } : { key: l.slice(0, i), value: l.slice(i + 1) };
        });
        const r = await api("POST", `${base}/messages`, { key: key.value === "" ? null : key.value, value: value.value, headers: hs, partition: partition.value === "" ? null : Number(partition.value), keyFormat: kf.value, valueFormat: vf.value });
        st.ok(`Produced to partition ${r.partition} at offset ${r.offset}.`);
        await reload();
        st.ok(`Produced to partition ${r.partition} at offset ${r.offset}.`);
      } catch (err) {
        st.fail((err as Error).message);
      }
    } },
      h("div", { class: "row" }, field("Key", key), field("Key format", kf), field("Partition", partition), field("Value format", vf)),
      field("Value", value),
      field("Headers", headers),
      h("button", { type: "submit", class: "primary" }, "Produce"),
    ),
  );
  return form;
}
