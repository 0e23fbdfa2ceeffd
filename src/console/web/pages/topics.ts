/**
 * Topics: the list (search, size, partitions, records), create (with configs), and one topic's
 * page with tabs: partitions (offsets, leaders, replicas, ISR; add partitions), configs (edit), and
 * messages (messages.ts). Delete asks for the topic's name in a dialog.
 */
import { api, can, get } from "../api.ts";
import { add, button, clear, confirmDialog, field, fmtBytes, h, input, status, table } from "../dom.ts";
import { messagesTab } from "./messages.ts";

export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const i = line.indexOf("=");
    if (i <= 0) throw new Error(`"${line}" is not name=value`);
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export async function topicsPage(main: HTMLElement): Promise<void> {
  const search = input({ type: "search", placeholder: "Search topics (/)", "aria-label": "Search topics" });
  const internal = h("input", { type: "checkbox", id: "show-internal" });
  const list = h("div", { id: "topic-list" });
  const st = status();
  add(main, 
    h("h1", null, "Topics"),
    h("div", { class: "toolbar" }, search, h("label", { class: "inline" }, internal, " internal topics"), can("editor") ? button("Create topic", () => createForm.toggleAttribute("hidden"), { class: "primary", "aria-controls": "create-topic" }) : null),
  );
  const name = input({ name: "name", required: true, pattern: "[A-Za-z0-9._\\-]{1,249}" });
  const partitions = input({ name: "partitions", type: "number", min: "1", value: "1" });
  const rf = input({ name: "replicationFactor", type: "number", min: "-1", value: "-1" });
  const configs = h("textarea", { name: "configs", rows: "3", placeholder: "cleanup.policy=compact\nretention.ms=86400000" });
  const createForm = h(
    "form",
    { id: "create-topic", class: "panel", hidden: true, "aria-label": "Create a topic" },
    h("h2", null, "Create a topic"),
    h("div", { class: "row" }, field("Name", name), field("Partitions", partitions), field("Replication factor", rf, "-1: the broker's default")),
    field("Configs (one name=value a line)", configs),
    h("button", { type: "submit", class: "primary" }, "Create"),
  );
  createForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      st.busy("Creating…");
      await api("POST", "/api/topics", { name: name.value, partitions: Number(partitions.value), replicationFactor: Number(rf.value), configs: parseKeyValues(configs.value) });
      st.ok(`Topic ${name.value} created.`);
      createForm.hidden = true;
      await load();
    } catch (err) {
      st.fail((err as Error).message);
    }
  });
  add(main, createForm, st, list);
  let seq = 0;
  const load = async () => {
    const my = ++seq;
    const r = await get(`/api/topics?search=${encodeURIComponent(search.value)}${internal.checked ? "&internal=1" : ""}`);
    if (my !== seq) return;
    clear(
      list,
      h("p", { class: "hint" }, `${r.total} topic${r.total === 1 ? "" : "s"}${r.total > r.topics.length ? ` (first ${r.topics.length} shown)` : ""}`),
      table(
        ["Name", "Partitions", "Replicas", "Records", "Size", "Health"],
        r.topics.map((t: any) => [
          h("a", { href: `#/topics/${encodeURIComponent(t.name)}` }, t.name),
          String(t.partitions),
          String(t.replicationFactor),
          t.records,
          fmtBytes(t.sizeBytes),
          t.leaderless ? h("span", { class: "pill bad" }, `${t.leaderless} leaderless`) : t.underReplicated ? h("span", { class: "pill warn" }, `${t.underReplicated} under-replicated`) : h("span", { class: "pill ok" }, "ok"),
        ]),
        { "aria-label": "Topics" },
      ),
    );
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => void load().catch((e) => st.fail(e.message)), 200);
  });
  internal.addEventListener("change", () => void load().catch((e) => st.fail(e.message)));
  await load();
}

export async function topicPage(main: HTMLElement, [topic, tab]: string[]): Promise<void> {
  const t = await get(`/api/topics/${encodeURIComponent(topic!)}`);
  const current = tab || "partitions";
  const st = status();
  const tabs: [string, string][] = [
    ["partitions", "Partitions"],
    ["configs", "Configs"],
    ["messages", "Messages"],
  ];
  const body = h("section", { id: "tab-body", role: "tabpanel", "aria-label": current });
  add(main, 
    h("p", { class: "crumbs" }, h("a", { href: "#/topics" }, "Topics"), " / "),
    h("div", { class: "title-row" }, h("h1", null, topic!), can("editor") ? button("Delete topic", async () => {
      if (!(await confirmDialog(`Delete topic ${topic}?`, "Its messages are deleted for good. Type the topic's name to confirm.", { typeToConfirm: topic }))) return;
      try {
        await api("DELETE", `/api/topics/${encodeURIComponent(topic!)}?confirm=${encodeURIComponent(topic!)}`);
        location.hash = "#/topics";
      } catch (e) {
        st.fail((e as Error).message);
      }
    }, { class: "danger", id: "delete-topic" }) : null),
    h("nav", { class: "tabs", role: "tablist", "aria-label": "Topic sections", onkeydown: (e: KeyboardEvent) => {
      // Arrow keys move between the tabs (WAI-ARIA tabs pattern); Enter or a click opens one.
      if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
      const links = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLAnchorElement>("a[role=tab]")];
      const i = links.indexOf(document.activeElement as HTMLAnchorElement);
      links[(i + (e.key === "ArrowRight" ? 1 : links.length - 1)) % links.length]?.focus();
      e.preventDefault();
    } }, ...tabs.map(([k, label]) => h("a", { role: "tab", href: `#/topics/${encodeURIComponent(topic!)}/${k}`, "aria-selected": String(k === current), tabindex: k === current ? "0" : "-1" }, label))),
    st,
    body,
  );
  if (current === "partitions") {
    const count = input({ type: "number", min: String(t.partitions.length + 1), value: String(t.partitions.length + 1), "aria-label": "New partition count" });
    add(body, 
      table(
        ["Partition", "Leader", "Replicas", "ISR", "Earliest", "Latest", "Messages"],
        t.partitions.map((p: any) => [String(p.partition), p.leader < 0 ? h("span", { class: "pill bad" }, "none") : String(p.leader), p.replicas.join(", "), p.isr.join(", "), p.earliest ?? "–", p.latest ?? "–", p.earliest !== null && p.latest !== null ? String(BigInt(p.latest) - BigInt(p.earliest)) : p.error ?? "–"]),
        { "aria-label": "Partitions" },
      ),
      can("editor")
        ? h("form", { class: "inline-form", "aria-label": "Add partitions", onsubmit: async (e: Event) => {
            e.preventDefault();
            try {
              await api("POST", `/api/topics/${encodeURIComponent(topic!)}/partitions`, { count: Number(count.value) });
              st.ok(`${topic} now has ${count.value} partitions.`);
              setTimeout(() => dispatchEvent(new HashChangeEvent("hashchange")), 300);
            } catch (err) {
              st.fail((err as Error).message);
            }
          } }, field("Partitions in all", count), h("button", { type: "submit" }, "Add partitions"))
        : null,
    );
  } else if (current === "configs") {
    const rows = t.configs.map((c: any) => {
      const v = input({ value: c.value ?? "", "aria-label": `Value of ${c.name}`, disabled: c.readOnly || !can("editor") || c.sensitive, "data-config": c.name, "data-original": c.value ?? "" });
      return [h("code", null, c.name), v, c.isDefault ? "default" : "set", c.readOnly ? "read-only" : ""];
    });
    const save = button("Save changed configs", async () => {
      const set: Record<string, string> = {};
      for (const el of body.querySelectorAll<HTMLInputElement>("input[data-config]")) if (el.value !== el.dataset.original) set[el.dataset.config!] = el.value;
      if (!Object.keys(set).length) return st.ok("Nothing changed.");
      try {
        await api("PATCH", `/api/topics/${encodeURIComponent(topic!)}/configs`, { set });
        st.ok(`Saved: ${Object.keys(set).join(", ")}.`);
      } catch (e) {
        st.fail((e as Error).message);
      }
    }, { class: "primary" });
    add(body, can("editor") ? save : null, table(["Config", "Value", "Source", ""], rows, { "aria-label": "Configs" }));
  } else {
    await messagesTab(body, topic!, t.partitions.map((p: any) => p.partition));
  }
}
