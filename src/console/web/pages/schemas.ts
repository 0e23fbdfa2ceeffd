/**
 * Schemas: subjects with their latest version, the global compatibility level; one subject's page
 * with its versions, a line diff between two versions, its compatibility level, and a new version
 * registered after a compatibility check (an incompatible one is refused with the reasons).
 */
import { api, can, get, session } from "../api.ts";
import { add, button, clear, field, h, select, status, table } from "../dom.ts";

const LEVELS = ["BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"];

function pretty(schema: string): string {
  try {
    return JSON.stringify(JSON.parse(schema), null, 2);
  } catch {
    return schema;
  }
}

/** A line diff (longest common subsequence), lines marked " ", "-" or "+". Bounded to 2000 lines a side. */
export function lineDiff(a: string, b: string): [" " | "-" | "+", string][] {
  const x = a.split("\n").slice(0, 2000);
  const y = b.split("\n").slice(0, 2000);
  const dp = Array.from({ length: x.length + 1 }, () => new Uint16Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) dp[i]![j] = x[i] === y[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const out: [" " | "-" | "+", string][] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) out.push([" ", x[i++]!]), j++;
    else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) out.push(["-", x[i++]!]);
    else out.push(["+", y[j++]!]);
  }
  while (i < x.length) out.push(["-", x[i++]!]);
  while (j < y.length) out.push(["+", y[j++]!]);
  return out;
}

function registerForm(subject: string | null, st: ReturnType<typeof status>, after: (subject: string) => void): HTMLElement {
  const name = h("input", { type: "text", "aria-label": "Subject", placeholder: "orders-value", value: subject ?? "", disabled: subject !== null });
  const type = select(["AVRO", "PROTOBUF", "JSON"], { "aria-label": "Schema type" });
  const text = h("textarea", { rows: "8", spellcheck: "false", "aria-label": "Schema", id: "schema-text" });
  const verdict = h("p", { id: "compat-verdict", role: "status" });
  const body = () => ({ schema: text.value, schemaType: type.value });
  const check = button("Check compatibility", async () => {
    try {
      const r = await api("POST", `/api/schemas/${encodeURIComponent(name.value)}/check`, body());
      verdict.className = r.compatible ? "status ok" : "status error";
      verdict.textContent = r.compatible ? (r.firstVersion ? "A new subject: nothing to be compatible with." : "Compatible with the latest version.") : `Not compatible: ${r.messages.join("; ")}`;
    } catch (e) {
      st.fail((e as Error).message);
    }
  });
  const form = h("form", { class: "panel", "aria-label": "Register a schema version", onsubmit: async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api("POST", `/api/schemas/${encodeURIComponent(name.value)}`, body());
      st.ok(`Registered ${name.value} (schema id ${r.id}).`);
      after(name.value);
    } catch (err) {
      st.fail((err as Error).message);
    }
  } }, h("h2", null, subject ? "Register a new version" : "Register a schema"), h("div", { class: "row" }, field("Subject", name), field("Type", type)), field("Schema", text), h("div", { class: "actions" }, check, h("button", { type: "submit", class: "primary", id: "register-schema" }, "Register")), verdict);
  return form;
}

export async function schemasPage(main: HTMLElement): Promise<void> {
  main.appendChild(h("h1", null, "Schemas"));
  if (!session.info?.features.registry) {
    main.appendChild(h("p", null, "No Schema Registry is configured (schema_registry_port on the broker, or --schema-registry for takhin console)."));
    return;
  }
  const st = status();
  const [r, cfg] = await Promise.all([get("/api/schemas"), get("/api/schemas/config")]);
  const level = select(LEVELS, { "aria-label": "Global compatibility level", value: cfg.compatibilityLevel });
  level.value = cfg.compatibilityLevel;
  add(main, 
    h("div", { class: "toolbar" }, field("Global compatibility", level), can("editor") ? button("Save level", async () => {
      try {
        await api("PUT", "/api/schemas/config", { compatibility: level.value });
        st.ok(`Global compatibility is ${level.value}.`);
      } catch (e) {
        st.fail((e as Error).message);
      }
    }) : null),
    st,
    table(["Subject", "Type", "Latest version", "Id"], r.subjects.map((s: any) => [h("a", { href: `#/schemas/${encodeURIComponent(s.subject)}` }, s.subject), s.schemaType ?? "–", String(s.latestVersion ?? "–"), String(s.id ?? "–")]), { "aria-label": "Subjects" }),
    can("editor") ? registerForm(null, st, (s) => (location.hash = `#/schemas/${encodeURIComponent(s)}`)) : null,
  );
}

export async function subjectPage(main: HTMLElement, [subject]: string[]): Promise<void> {
  const path = `/api/schemas/${encodeURIComponent(subject!)}`;
  const s = await get(path);
  const st = status();
  const versions: number[] = s.versions;
  const left = select(versions.map(String), { "aria-label": "Diff from version" });
  const right = select(versions.map(String), { "aria-label": "Diff to version" });
  left.value = String(versions.length > 1 ? versions[versions.length - 2] : versions[0]);
  right.value = String(versions[versions.length - 1]);
  const diffBox = h("div", { id: "diff" });
  const showDiff = async () => {
    const [a, b] = await Promise.all([get(`${path}/versions/${left.value}`), get(`${path}/versions/${right.value}`)]);
    clear(diffBox, h("pre", { class: "diff", "aria-label": `Diff of versions ${left.value} and ${right.value}` }, ...lineDiff(pretty(a.schema), pretty(b.schema)).map(([m, l]) => h("span", { class: m === "+" ? "add" : m === "-" ? "del" : "same" }, `${m} ${l}\n`))));
  };
  left.addEventListener("change", () => void showDiff());
  right.addEventListener("change", () => void showDiff());
  const level = select(LEVELS, { "aria-label": "Compatibility level of the subject" });
  if (s.compatibility) level.value = s.compatibility;
  add(main, 
    h("p", { class: "crumbs" }, h("a", { href: "#/schemas" }, "Schemas"), " / "),
    h("h1", null, subject!),
    h("p", null, `${s.latest.schemaType}, latest version ${s.latest.version} (id ${s.latest.id}); versions ${versions.join(", ")}`),
    h("div", { class: "toolbar" }, field("Compatibility", level), can("editor") ? button("Save level", async () => {
      try {
        await api("PUT", `${path}/config`, { compatibility: level.value });
        st.ok(`${subject} compatibility is ${level.value}.`);
      } catch (e) {
        st.fail((e as Error).message);
      }
    }) : null),
    st,
    h("h2", null, "Latest"),
    h("pre", { class: "schema" }, pretty(s.latest.schema)),
    h("h2", null, "Diff"),
    h("div", { class: "row" }, field("From", left), field("To", right)),
    diffBox,
    can("editor") ? registerForm(subject!, st, () => setTimeout(() => dispatchEvent(new HashChangeEvent("hashchange")), 200)) : null,
  );
  await showDiff();
}
