/** ACLs and users: list, create and delete ACL bindings and SCRAM users (changes need the admin role). */
import { api, can, get } from "../api.ts";
import { add, button, confirmDialog, field, h, input, select, status, table } from "../dom.ts";

export async function securityPage(main: HTMLElement): Promise<void> {
  const st = status();
  const [acls, users] = await Promise.all([get("/api/acls"), get("/api/users").catch((e) => ({ users: [], error: (e as Error).message }))]);
  const admin = can("admin");
  const aclRows = acls.acls.map((a: any) => [
    a.resource_type, a.resource_name, a.pattern_type, a.principal, a.host, a.operation, a.permission,
    admin ? button("Delete", async () => {
      if (!(await confirmDialog("Delete this ACL?", `${a.permission} ${a.principal} ${a.operation} on ${a.resource_type} ${a.resource_name}`))) return;
      try {
        await api("DELETE", "/api/acls", { resourceType: a.resource_type, resourceName: a.resource_name, patternType: a.pattern_type, principal: a.principal, host: a.host, operation: a.operation, permission: a.permission });
        dispatchEvent(new HashChangeEvent("hashchange"));
      } catch (e) {
        st.fail((e as Error).message);
      }
    }, { class: "danger small", "aria-label": `Delete ACL ${a.principal} ${a.operation} ${a.resource_name}` }) : "",
  ]);
  add(main, h("h1", null, "ACLs & users"), st, h("h2", null, "ACLs"), table(["Resource", "Name", "Pattern", "Principal", "Host", "Operation", "Permission", ""], aclRows, { "aria-label": "ACLs" }));
  if (admin) {
    const rt = select(["TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID"], { "aria-label": "Resource type" });
    const rn = input({ "aria-label": "Resource name", placeholder: "orders or *" });
    const pt = select(["LITERAL", "PREFIXED"], { "aria-label": "Pattern type" });
    const pr = input({ "aria-label": "Principal", placeholder: "User:alice" });
    const host = input({ "aria-label": "Host", value: "*" });
    const op = select(["ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE", "CLUSTER_ACTION"], { "aria-label": "Operation" });
    const perm = select(["ALLOW", "DENY"], { "aria-label": "Permission" });
    add(main, h("form", { class: "panel", "aria-label": "Create an ACL", onsubmit: async (e: Event) => {
      e.preventDefault();
      try {
        await api("POST", "/api/acls", { resourceType: rt.value, resourceName: rn.value, patternType: pt.value, principal: pr.value, host: host.value, operation: op.value, permission: perm.value });
        st.ok("ACL created.");
        dispatchEvent(new HashChangeEvent("hashchange"));
      } catch (err) {
        st.fail((err as Error).message);
      }
    } }, h("h2", null, "Create an ACL"), h("div", { class: "row" }, field("Resource", rt), field("Name", rn), field("Pattern", pt), field("Principal", pr), field("Host", host), field("Operation", op), field("Permission", perm)), h("button", { type: "submit", class: "primary", id: "create-acl" }, "Create ACL")));
  }
  add(main, 
    h("h2", null, "Users (SCRAM)"),
    "error" in users ? h("p", { class: "status error" }, `users: ${users.error}`) : null,
    table(["User", "Mechanisms", ""], users.users.map((u: any) => [u.user, u.mechanisms.map((m: any) => `${m.mechanism} (${m.iterations})`).join(", "), admin ? button("Delete", async () => {
      if (!(await confirmDialog(`Delete user ${u.user}?`, "Every SCRAM credential of the user is deleted.", { typeToConfirm: u.user }))) return;
      try {
        await api("DELETE", `/api/users/${encodeURIComponent(u.user)}`);
        dispatchEvent(new HashChangeEvent("hashchange"));
      } catch (e) {
        st.fail((e as Error).message);
      }
    }, { class: "danger small", "aria-label": `Delete user ${u.user}` }) : ""]), { "aria-label": "Users" }),
  );
  if (admin) {
    const name = input({ "aria-label": "User name", autocomplete: "off" });
    const pw = input({ type: "password", "aria-label": "Password", autocomplete: "new-password" });
    const mech = select(["SCRAM-SHA-256", "SCRAM-SHA-512"], { "aria-label": "Mechanism" });
    add(main, h("form", { class: "panel", "aria-label": "Create a user", onsubmit: async (e: Event) => {
      e.preventDefault();
      try {
        await api("POST", "/api/users", { name: name.value, password: pw.value, mechanism: mech.value });
        st.ok(`User ${name.value} created.`);
        dispatchEvent(new HashChangeEvent("hashchange"));
      } catch (err) {
        st.fail((err as Error).message);
      }
    } }, h("h2", null, "Create a user"), h("div", { class: "row" }, field("Name", name), field("Password", pw), field("Mechanism", mech)), h("button", { type: "submit", class: "primary" }, "Create user")));
  }
}
