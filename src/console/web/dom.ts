/**
 * A few DOM helpers for the console's pages (no framework): h() builds elements (attributes,
 * `on*` handlers, children; text is always set as text, never parsed as HTML), and small widgets
 * used everywhere (tables, forms fields, a confirmation dialog, status messages).
 */
type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (k === "value" && "value" in el) (el as HTMLInputElement).value = String(v);
    else if (k === "checked" && "checked" in el) (el as HTMLInputElement).checked = Boolean(v);
    else el.setAttribute(k === "className" ? "class" : k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** Appends children (nulls and falses left out, unlike Element.append). */
export function add(el: Element, ...children: Child[]): void {
  append(el, children);
}

export function clear(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

let fieldSeq = 0;
/** A labelled form field: the label is tied to the control by id. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  // The visible label names the control; an aria-label would hide it from assistive technology.
  control.removeAttribute("aria-label");
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("small", { class: "hint" }, hint) : null);
}

export function input(attrs: Attrs = {}): HTMLInputElement {
  return h("input", { type: "text", ...attrs });
}

export function select(options: (string | [string, string])[], attrs: Attrs = {}): HTMLSelectElement {
  return h("select", attrs, ...options.map((o) => (Array.isArray(o) ? h("option", { value: o[0] }, o[1]) : h("option", { value: o }, o))));
}

export function button(label: string, onClick: (e: Event) => void, attrs: Attrs = {}): HTMLButtonElement {
  return h("button", { type: "button", ...attrs, onclick: onClick }, label);
}

export function table(headers: string[], rows: Child[][], attrs: Attrs = {}): HTMLElement {
  return h(
    "div",
    { class: "table-wrap" },
    h("table", attrs, h("thead", null, h("tr", null, ...headers.map((x) => h("th", { scope: "col" }, x)))), h("tbody", null, ...(rows.length ? rows.map((r) => h("tr", null, ...r.map((c) => h("td", null, c)))) : [h("tr", null, h("td", { colspan: headers.length, class: "empty" }, "nothing here"))]))),
  );
}

/** A status line (role=status) that pages write results and errors into. */
export function status(): HTMLElement & { ok(msg: string): void; fail(msg: string): void; busy(msg: string): void; clear(): void } {
  const el = h("p", { class: "status", role: "status", "aria-live": "polite" }) as unknown as HTMLElement & { ok(msg: string): void; fail(msg: string): void; busy(msg: string): void; clear(): void };
  el.ok = (m) => ((el.className = "status ok"), (el.textContent = m));
  el.fail = (m) => ((el.className = "status error"), el.setAttribute("role", "alert"), (el.textContent = m));
  el.busy = (m) => ((el.className = "status busy"), (el.textContent = m));
  el.clear = () => ((el.className = "status"), (el.textContent = ""));
  return el;
}

/**
 * A modal confirmation (a <dialog>): resolves true only when confirmed; with `typeToConfirm` the
 * confirm button stays disabled until that text is typed.
 */
export function confirmDialog(title: string, message: string, opts: { typeToConfirm?: string; confirmLabel?: string } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const typed = opts.typeToConfirm ? input({ "aria-label": `Type ${opts.typeToConfirm} to confirm`, autocomplete: "off" }) : null;
    const ok = h("button", { type: "button", class: "danger", disabled: typed ? true : false }, opts.confirmLabel ?? "Delete");
    const cancel = h("button", { type: "button" }, "Cancel");
    const dlg = h("dialog", { "aria-labelledby": "dlg-title", class: "confirm" }, h("h2", { id: "dlg-title" }, title), h("p", null, message), typed ? field(`Type "${opts.typeToConfirm}" to confirm`, typed) : null, h("div", { class: "actions" }, cancel, ok));
    typed?.addEventListener("input", () => (ok.disabled = typed.value !== opts.typeToConfirm));
    const done = (v: boolean) => {
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    ok.addEventListener("click", () => done(true));
    cancel.addEventListener("click", () => done(false));
    dlg.addEventListener("cancel", (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    (typed ?? cancel).focus();
  });
}

export function fmtBytes(n: string | number | null): string {
  if (n === null) return "–";
  let v = Number(n);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) (v /= 1024), i++;
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function fmtTime(ms: number): string {
  return ms < 0 ? "–" : new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

export function download(name: string, type: string, text: string): void {
  const a = h("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.appendChild(a);
  a.click();
  a.remove();
}
