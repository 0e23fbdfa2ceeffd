/**
 * The console's page shell: header (navigation, theme switch, who is logged in), a development
 * mode banner when there is no login, and a hash router (#/topics/NAME, ...) that renders one page
 * into <main>. Keyboard: every control is reachable with Tab; Alt+1..7 jump to the pages, "/"
 * focuses the page's search box; a skip link leads to the content.
 */
import { api, get, session, type SessionInfo } from "./api.ts";
import { button, clear, h } from "./dom.ts";
import { overviewPage } from "./pages/overview.ts";
import { topicsPage, topicPage } from "./pages/topics.ts";
import { groupsPage, groupPage } from "./pages/groups.ts";
import { schemasPage, subjectPage } from "./pages/schemas.ts";
import { securityPage } from "./pages/security.ts";
import { connectPage } from "./pages/connect.ts";
import { loginPage } from "./pages/login.ts";

const NAV: [string, string][] = [
  ["#/overview", "Overview"],
  ["#/topics", "Topics"],
  ["#/groups", "Consumer groups"],
  ["#/schemas", "Schemas"],
  ["#/security", "ACLs & users"],
  ["#/connect", "Connect"],
];

type Page = (main: HTMLElement, params: string[]) => void | Promise<void>;
const ROUTES: [RegExp, Page][] = [
  [/^#\/overview$/, overviewPage],
  [/^#\/topics$/, topicsPage],
  [/^#\/topics\/([^/]+)(?:\/(\w+))?$/, topicPage],
  [/^#\/groups$/, groupsPage],
  [/^#\/groups\/(.+)$/, groupPage],
  [/^#\/schemas$/, schemasPage],
  [/^#\/schemas\/(.+)$/, subjectPage],
  [/^#\/security$/, securityPage],
  [/^#\/connect$/, connectPage],
  [/^#\/login$/, loginPage],
];

function theme(): "dark" | "light" {
  const saved = localStorage.getItem("takhin-theme");
  if (saved === "dark" || saved === "light") return saved;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function applyTheme(t: "dark" | "light"): void {
  document.documentElement.dataset.theme = t;
  localStorage.setItem("takhin-theme", t);
}

async function loadSession(): Promise<SessionInfo> {
  try {
    session.info = await get<SessionInfo>("/api/session");
  } catch (e) {
    session.info = { devMode: false, user: null, role: null, csrf: null, features: { registry: false, connect: false, adminApi: false } };
  }
  return session.info;
}

function header(root: HTMLElement): void {
  const info = session.info!;
  const themeBtn = button(theme() === "dark" ? "Light theme" : "Dark theme", () => {
    const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    applyTheme(next);
    themeBtn.textContent = next === "dark" ? "Light theme" : "Dark theme";
  }, { class: "theme", "aria-label": "Switch between dark and light theme" });
  const who = info.devMode
    ? h("span", { class: "who" }, "development mode")
    : info.user
      ? h("span", { class: "who" }, `${info.user} (${info.role}) `, button("Log out", async () => {
          await api("POST", "/api/logout").catch(() => {});
          await loadSession();
          render(root);
          location.hash = "#/login";
        }, { id: "logout" }))
      : h("a", { href: "#/login" }, "Log in");
  clear(
    root,
    h("a", { class: "skip", href: "#main" , onclick: (e: Event) => (e.preventDefault(), document.getElementById("main")?.focus()) }, "Skip to content"),
    info.devMode ? h("div", { class: "banner", role: "note" }, "Development mode: no login is configured, everyone has the admin role. Set console_roles to turn login on.") : null,
    h(
      "header",
      null,
      h("a", { class: "brand", href: "#/overview" }, "Takhin Console"),
      h("nav", { "aria-label": "Pages" }, h("ul", null, ...NAV.map(([href, label], i) => h("li", null, h("a", { href, "data-nav": href, title: `${label} (Alt+${i + 1})` }, label))))),
      h("div", { class: "tools" }, who, themeBtn),
    ),
    h("main", { id: "main", tabindex: "-1" }),
  );
}

let renderSeq = 0;
let lastHash = "";
async function route(root: HTMLElement): Promise<void> {
  const seq = ++renderSeq;
  const hash = location.hash || "#/overview";
  const main = root.querySelector("main")!;
  for (const a of root.querySelectorAll<HTMLAnchorElement>("nav a")) {
    const on = hash === a.dataset.nav || hash.startsWith(`${a.dataset.nav}/`);
    if (on) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const info = session.info!;
  if (!info.devMode && !info.user && hash !== "#/login") {
    location.hash = "#/login";
    return;
  }
  for (const [re, page] of ROUTES) {
    const m = hash.match(re);
    if (!m) continue;
    clear(main);
    try {
      await page(main, m.slice(1).map((x) => (x === undefined ? "" : decodeURIComponent(x))));
    } catch (e) {
      if (seq === renderSeq) main.appendChild(h("p", { class: "status error", role: "alert" }, `This page could not load: ${(e as Error).message}`));
    }
    if (seq !== renderSeq) return;
    document.title = `${main.querySelector("h1")?.textContent ?? "Takhin"} – Takhin Console`;
    // A new page (not a refresh of this one): keyboard and screen-reader users start at its content.
    if (hash !== lastHash && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
    lastHash = hash;
    return;
  }
  clear(main, h("h1", null, "Not found"), h("p", null, "No page here. ", h("a", { href: "#/overview" }, "Go to the overview")));
}

function render(root: HTMLElement): void {
  header(root);
  void route(root);
}

async function boot(): Promise<void> {
  applyTheme(theme());
  const root = document.getElementById("app")!;
  await loadSession();
  render(root);
  addEventListener("hashchange", () => void route(root));
  addEventListener("takhin:session", async () => {
    await loadSession();
    render(root);
  });
  addEventListener("keydown", (e) => {
    const target = e.target as HTMLElement;
    const typing = target.matches("input, textarea, select");
    if (e.altKey && /^[1-6]$/.test(e.key)) {
      e.preventDefault();
      location.hash = NAV[Number(e.key) - 1]![0];
    } else if (e.key === "/" && !typing) {
      const s = document.querySelector<HTMLInputElement>("main input[type=search]");
      if (s) {
        e.preventDefault();
        s.focus();
      }
    }
  });
}

void boot();
