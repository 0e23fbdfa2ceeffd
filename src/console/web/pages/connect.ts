/** Kafka Connect: connectors with status and tasks; create, restart, pause, resume, delete; config and tasks of one. */
import { api, can, get, session } from "../api.ts";
import { add, button, clear, confirmDialog, field, h, input, status, table } from "../dom.ts";

export async function connectPage(main: HTMLElement): Promise<void> {
  main.appendChild(h("h1", null, "Kafka Connect"));
  if (!session.info?.features.connect) {
    main.appendChild(h("p", null, "No Kafka Connect URL is configured (console_connect_url on the broker, or --connect for takhin console)."));
    return;
  }
  const st = status();
  const detail = h("section", { id: "connector-detail", "aria-live": "polite" });
  const r = await get("/api/connect/connectors");
  const act = (name: string, action: string) => async () => {
    try {
      if (action === "delete") {
        if (!(await confirmDialog(`Delete connector ${name}?`, "The connector and its tasks stop and are removed.", { typeToConfirm: name }))) return;
        await api("DELETE", `/api/connect/connectors/${encodeURIComponent(name)}`);
      } else await api("POST", `/api/connect/connectors/${encodeURIComponent(name)}/${action}`);
      st.ok(`${action}: ${name}`);
      setTimeout(() => dispatchEvent(new HashChangeEvent("hashchange")), 500);
    } catch (e) {
      st.fail((e as Error).message);
    }
  };
  const show = async (name: string) => {
    const d = await get(`/api/connect/connectors/${encodeURIComponent(name)}`);
    clear(detail, h("h2", null, name), h("h3", null, "Config"), table(["Key", "Value"], Object.entries(d.config).map(([k, v]) => [h("code", null, k), String(v)])), h("h3", null, "Tasks"), table(["Task", "State", "Worker", "Trace"], d.status.tasks.map((t: any) => [String(t.id), t.state, t.worker_id, t.trace ? h("pre", null, t.trace.slice(0, 2000)) : "–"])));
  };
  add(main, 
    st,
    table(["Connector", "Type", "State", "Tasks", ""], r.connectors.map((c: any) => [
      h("a", { href: "#/connect", onclick: (e: Event) => (e.preventDefault(), void show(c.name).catch((err) => st.fail(err.message))) }, c.name),
      c.status?.type ?? "–",
      c.status?.connector?.state ?? c.status?.error ?? "–",
      (c.status?.tasks ?? []).map((t: any) => `${t.id}:${t.state}`).join(", ") || "–",
      can("editor") ? h("span", { class: "actions" }, ...["restart", "pause", "resume", "delete"].map((a) => button(a, act(c.name, a), { class: a === "delete" ? "danger small" : "small", "aria-label": `${a} ${c.name}` }))) : "",
    ]), { "aria-label": "Connectors" }),
    detail,
  );
  if (can("editor")) {
    const name = input({ "aria-label": "Connector name" });
    const cfg = h("textarea", { rows: "6", spellcheck: "false", "aria-label": "Connector config (JSON)", placeholder: '{"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "lines"}' });
    add(main, h("form", { class: "panel", "aria-label": "Create a connector", onsubmit: async (e: Event) => {
      e.preventDefault();
      try {
        await api("POST", "/api/connect/connectors", { name: name.value, config: JSON.parse(cfg.value || "{}") });
        st.ok(`Connector ${name.value} created.`);
        setTimeout(() => dispatchEvent(new HashChangeEvent("hashchange")), 500);
      } catch (err) {
        st.fail((err as Error).message);
      }
    } }, h("h2", null, "Create a connector"), field("Name", name), field("Config (JSON object of strings)", cfg), h("button", { type: "submit", class: "primary" }, "Create")));
  }
}
