/**
 * Kafka Connect routes, over a Connect worker's REST API (src/console/connect/client.ts):
 *
 *   GET    /api/connect/connectors             names with status (connector and task states)
 *   GET    /api/connect/connectors/:name       status, config, tasks
 *   POST   /api/connect/connectors             {name, config}
 *   POST   /api/connect/connectors/:name/restart|pause|resume
 *   DELETE /api/connect/connectors/:name
 */
import type { Role } from "../auth.ts";
import { ConnectClient, ConnectError } from "../connect/client.ts";
import type { App, ConsoleDeps } from "./deps.ts";
import { badRequest, ConsoleError, unavailable } from "./errors.ts";
import { readBody, str, stringMap } from "./input.ts";

export function connectRoutes(app: App, deps: ConsoleDeps, need: (r: Role) => any): void {
  const client = deps.connectUrl ? new ConnectClient(deps.connectUrl) : null;
  const cc = () => {
    if (!client) throw unavailable("no Kafka Connect URL is configured (console_connect_url / --connect)");
    return client;
  };
  const wrap = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      if (e instanceof ConnectError) throw new ConsoleError(e.status >= 400 && e.status < 500 ? e.status : 502, `Kafka Connect: ${e.message}`, `CONNECT_${e.errorCode}`);
      throw e;
    }
  };
  const nameParam = (raw: string) => {
    const n = decodeURIComponent(raw);
    if (n.length === 0 || n.length > 1000) throw badRequest("a connector name is 1 to 1000 characters");
    return n;
  };
  app.get("/api/connect/connectors", async (c) =>
    c.json({
      connectors: await wrap(async () => {
        const names = (await cc().listConnectors()).slice(0, 1000).sort();
        return Promise.all(names.map(async (name) => ({ name, status: await cc().status(name).catch((e) => ({ error: (e as Error).message })) })));
      }),
    }),
  );
  app.get("/api/connect/connectors/:name", async (c) => {
    const name = nameParam(c.req.param("name"));
    return c.json(await wrap(async () => ({ name, status: await cc().status(name), config: await cc().config(name), tasks: await cc().tasks(name) })));
  });
  app.post("/api/connect/connectors", need("editor"), async (c) => {
    const b = await readBody(c);
    const name = str(b, "name", { maxLength: 1000 });
    if (!name) throw badRequest(`"name" is required`);
    await wrap(() => cc().create(name, stringMap(b, "config")));
    return c.json({ created: name }, 201);
  });
  for (const action of ["restart", "pause", "resume"] as const)
    app.post(`/api/connect/connectors/:name/${action}`, need("editor"), async (c) => {
      const name = nameParam(c.req.param("name"));
      await wrap(() => (action === "restart" ? cc().restart(name, { includeTasks: true }) : cc()[action](name)));
      return c.json({ [action]: name });
    });
  app.delete("/api/connect/connectors/:name", need("editor"), async (c) => {
    const name = nameParam(c.req.param("name"));
    await wrap(() => cc().delete(name));
    return c.json({ deleted: name });
  });
}
