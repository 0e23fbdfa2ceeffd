/** The login form: the user's Kafka credentials, checked by the console with a SASL login against the cluster. */
import { api, session } from "../api.ts";
import { add, button, field, h, input, status } from "../dom.ts";

export async function loginPage(main: HTMLElement): Promise<void> {
  if (session.info?.devMode) {
    add(main, h("h1", null, "Log in"), h("p", null, "The console runs in development mode: there is no login."));
    return;
  }
  const user = input({ name: "user", autocomplete: "username", required: true });
  const password = input({ name: "password", type: "password", autocomplete: "current-password", required: true });
  const st = status();
  const form = h(
    "form",
    { class: "login", "aria-label": "Log in" },
    h("h1", null, "Log in"),
    h("p", null, "Use your Kafka user name and password (SCRAM or PLAIN)."),
    field("User", user),
    field("Password", password),
    h("button", { type: "submit", class: "primary" }, "Log in"),
    st,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    st.busy("Logging in…");
    try {
      await api("POST", "/api/login", { user: user.value, password: password.value });
      location.hash = "#/overview";
      dispatchEvent(new Event("takhin:session"));
    } catch (err) {
      st.fail((err as Error).message);
    }
  });
  main.appendChild(form);
  user.focus();
  void button;
}
