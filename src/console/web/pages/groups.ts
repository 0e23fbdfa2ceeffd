/**
 * Consumer groups: the list, and one group's page — state, members and their assignments, lag per
 * partition with a bar chart, offsets reset (earliest, latest, timestamp, offset, shift-by) with a
 * dry-run preview first, delete the group or its offsets on a topic.
 */
import { api, can, get } from "../api.ts";
import { add, button, clear, confirmDialog, field, h, input, select, status, table } from "../dom.ts";

export async function groupsPage(main: HTMLElement): Promise<void> {
  const r = await get("/api/groups");
  const search = input({ type: "search", placeholder: "Search groups (/)", "aria-label": "Search groups" });
  const list = h("div");
  const draw = () =>
    clear(list, table(["Group", "State", "Protocol", "Coordinator"], r.groups.filter((g: any) => g.groupId.toLowerCase().includes(search.value.toLowerCase())).map((g: any) => [h("a", { href: `#/groups/${encodeURIComponent(g.groupId)}` }, g.groupId), g.state || "–", g.protocolType || "–", String(g.coordinator)]), { "aria-label": "Consumer groups" }));
  search.addEventListener("input", draw);
  add(main, h("h1", null, "Consumer groups"), h("div", { class: "toolbar" }, search), h("p", { class: "hint" }, `${r.total} group${r.total === 1 ? "" : "s"}`), list);
  draw();
}

/** A bar of a width in percent (set through the CSSOM: the page's CSP allows no inline style attributes). */
function barOf(percent: number): HTMLElement {
  const el = h("span", { class: "bar" });
  el.style.width = `${percent}%`;
  return el;
}

function lagBars(rows: any[]): HTMLElement {
  const max = Math.max(1, ...rows.map((r) => Number(r.lag ?? 0)));
  return h("figure", { class: "bars", "aria-label": "Lag per partition" }, h("figcaption", null, "Lag per partition"), ...rows.map((r) => h("div", { class: "bar-row" }, h("span", { class: "bar-label" }, `${r.topic}-${r.partition}`), barOf((Number(r.lag ?? 0) / max) * 100), h("span", { class: "bar-value" }, r.lag ?? "–"))));
}

export async function groupPage(main: HTMLElement, [groupId]: string[]): Promise<void> {
  const path = `/api/groups/${encodeURIComponent(groupId!)}`;
  const g = await get(path);
  const st = status();
  const topics = [...new Set<string>(g.lag.map((r: any) => r.topic))];
  add(main, 
    h("p", { class: "crumbs" }, h("a", { href: "#/groups" }, "Consumer groups"), " / "),
    h("div", { class: "title-row" }, h("h1", null, groupId!), can("editor") ? button("Delete group", async () => {
      if (!(await confirmDialog(`Delete group ${groupId}?`, "Its committed offsets are deleted. Only a group without members can be deleted.", { typeToConfirm: groupId }))) return;
      try {
        await api("DELETE", path);
        location.hash = "#/groups";
      } catch (e) {
        st.fail((e as Error).message);
      }
    }, { class: "danger", id: "delete-group" }) : null),
    h("section", { class: "cards" }, h("div", { class: "card" }, h("h2", null, "State"), h("p", { class: "big", id: "group-state" }, g.state || "–")), h("div", { class: "card" }, h("h2", null, "Members"), h("p", { class: "big" }, String(g.members.length))), h("div", { class: "card" }, h("h2", null, "Total lag"), h("p", { class: "big", id: "total-lag" }, g.totalLag)), h("div", { class: "card" }, h("h2", null, "Coordinator"), h("p", { class: "big" }, String(g.coordinator)))),
    st,
    h("h2", null, "Lag"),
    table(["Topic", "Partition", "Committed", "Log end", "Lag", "Member"], g.lag.map((r: any) => [r.topic, String(r.partition), r.committed ?? "–", r.logEnd ?? "–", r.lag ?? "–", r.member ?? "–"]), { "aria-label": "Lag per partition", id: "lag-table" }),
    g.lag.length ? lagBars(g.lag) : null,
    h("h2", null, "Members"),
    table(["Member", "Client", "Host", "Assignment"], g.members.map((m: any) => [m.memberId, m.clientId, m.host, m.assignment.map((a: any) => `${a.topic}-${a.partition}`).join(", ") || "–"]), { "aria-label": "Members" }),
  );
  if (!topics.length) return;
  const topic = select(topics, { "aria-label": "Topic" });
  const to = select([["earliest", "earliest"], ["latest", "latest"], ["timestamp", "a timestamp"], ["offset", "an offset"], ["shift", "shift by"]], { "aria-label": "Reset to" });
  const value = input({ "aria-label": "Timestamp, offset or shift", placeholder: "ms / ISO time, offset or ±N", disabled: true });
  to.addEventListener("change", () => (value.disabled = to.value === "earliest" || to.value === "latest"));
  const preview = h("div", { id: "reset-preview" });
  const spec = () => {
    const b: Record<string, unknown> = { topic: topic.value, to: to.value };
    const v = value.value.trim();
    if (to.value === "timestamp") b.timestampMs = /^\d+$/.test(v) ? v : String(Date.parse(v));
    if (to.value === "offset") b.offset = v;
    if (to.value === "shift") b.by = v.replace(/^\+/, "");
    return b;
  };
  const run = async (dryRun: boolean) => {
    try {
      const r = await api("POST", `${path}/reset`, { ...spec(), dryRun });
      clear(preview, h("p", null, dryRun ? "Preview (nothing changed yet):" : "Applied:"), table(["Partition", "Current", "New", "Lag after"], r.partitions.map((p: any) => [String(p.partition), p.current ?? "–", p.target, p.lagAfter]), { "aria-label": dryRun ? "Reset preview" : "Reset result" }));
      if (dryRun) applyBtn.disabled = !can("editor");
      else {
        st.ok(`Offsets of ${groupId} on ${topic.value} reset.`);
        setTimeout(() => dispatchEvent(new HashChangeEvent("hashchange")), 300);
      }
    } catch (e) {
      st.fail((e as Error).message);
    }
  };
  const applyBtn = button("Apply reset", () => void run(false), { class: "danger", disabled: true, id: "apply-reset" });
  add(main, 
    h("h2", null, "Reset offsets"),
    h("form", { class: "panel", "aria-label": "Reset offsets", onsubmit: (e: Event) => (e.preventDefault(), void run(true)) }, h("div", { class: "row" }, field("Topic", topic), field("Reset to", to), field("Value", value)), h("div", { class: "actions" }, h("button", { type: "submit", id: "preview-reset" }, "Preview (dry run)"), applyBtn, can("editor") ? button("Delete offsets on topic", async () => {
      if (!(await confirmDialog(`Delete offsets of ${groupId} on ${topic.value}?`, "The group starts again by its auto.offset.reset on this topic.", { confirmLabel: "Delete offsets" }))) return;
      try {
        await api("DELETE", `${path}/offsets?topic=${encodeURIComponent(topic.value)}`);
        st.ok("Offsets deleted.");
        setTimeout(() => dispatchEvent(new HashChangeEvent("hashchange")), 300);
      } catch (e) {
        st.fail((e as Error).message);
      }
    }, { class: "danger" }) : null)),
    preview,
  );
}
