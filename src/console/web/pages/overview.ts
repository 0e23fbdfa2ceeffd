/** Overview: cluster id, controller, brokers, leaderless and under-replicated partitions, and a throughput chart from the Admin API's /metrics. */
import { get } from "../api.ts";
import { add, h, table } from "../dom.ts";

/** Sums the samples of one metric family in Prometheus text. */
export function metricSum(text: string, name: string): number | null {
  let sum = 0;
  let seen = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    const v = Number(line.trim().split(/\s+/).at(-1));
    if (Number.isFinite(v)) (sum += v), (seen = true);
  }
  return seen ? sum : null;
}

export function sparkline(values: number[], label: string): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 300 60");
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const max = Math.max(1, ...values);
  const pts = values.map((v, i) => `${(i / Math.max(1, values.length - 1)) * 300},${58 - (v / max) * 56}`).join(" ");
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", pts || "0,58 300,58");
  line.setAttribute("fill", "none");
  line.setAttribute("class", "chart-line");
  svg.appendChild(line);
  return svg;
}

export async function overviewPage(main: HTMLElement): Promise<void> {
  main.appendChild(h("h1", null, "Overview"));
  const o = await get("/api/overview");
  add(main, 
    h(
      "section",
      { class: "cards", "aria-label": "Cluster summary" },
      h("div", { class: "card" }, h("h2", null, "Cluster"), h("p", { class: "big" }, o.clusterId ?? "–"), h("p", null, `controller ${o.controller}`)),
      h("div", { class: "card" }, h("h2", null, "Brokers"), h("p", { class: "big" }, String(o.brokers.length))),
      h("div", { class: "card" }, h("h2", null, "Topics"), h("p", { class: "big" }, String(o.topics)), h("p", null, `${o.partitions} partitions`)),
      h("div", { class: o.leaderless.length ? "card bad" : "card" }, h("h2", null, "Leaderless"), h("p", { class: "big" }, String(o.leaderless.length))),
      h("div", { class: o.underReplicated.length ? "card warn" : "card" }, h("h2", null, "Under-replicated"), h("p", { class: "big" }, String(o.underReplicated.length))),
    ),
    h("h2", null, "Brokers"),
    table(["Node", "Host", "Port", "Rack", "Role"], o.brokers.map((b: any) => [String(b.nodeId), b.host, String(b.port), b.rack ?? "–", b.nodeId === o.controller ? "controller" : ""])),
  );
  if (o.leaderless.length || o.underReplicated.length) {
    add(main, 
      h("h2", null, "Partitions needing attention"),
      table(["Topic", "Partition", "Problem"], [...o.leaderless.map((p: any) => [p.topic, String(p.partition), "no leader"]), ...o.underReplicated.map((p: any) => [p.topic, String(p.partition), `ISR ${p.isr.join(",")} of ${p.replicas.join(",")}`])]),
    );
  }
  const chartBox = h("section", { class: "charts", "aria-label": "Throughput and lag" }, h("h2", null, "Throughput and lag"));
  main.appendChild(chartBox);
  if (!o.adminApi) {
    chartBox.appendChild(h("p", { class: "hint" }, "Charts need the Admin API's /metrics (admin_api_port, or --admin-api for takhin console)."));
    return;
  }
  const inBytes: number[] = [];
  const outBytes: number[] = [];
  const lag: number[] = [];
  let last: { t: number; i: number; o: number } | null = null;
  const holder = h("div", { class: "chart-row" });
  chartBox.appendChild(holder);
  const tick = async () => {
    if (!main.isConnected) return;
    try {
      const text = await get<string>("/api/metrics");
      const i = metricSum(text, "takhin_topic_bytes_in_total") ?? 0;
      const out = metricSum(text, "takhin_topic_bytes_out_total") ?? 0;
      lag.push(metricSum(text, "takhin_consumer_group_lag_sum") ?? 0);
      if (lag.length > 60) lag.shift();
      const t = Date.now();
      if (last) {
        const dt = (t - last.t) / 1000;
        inBytes.push(Math.max(0, (i - last.i) / dt));
        outBytes.push(Math.max(0, (out - last.o) / dt));
        if (inBytes.length > 60) inBytes.shift(), outBytes.shift();
      }
      last = { t, i, o: out };
      holder.replaceChildren(
        h("figure", null, sparkline(inBytes, "bytes in per second"), h("figcaption", null, `in: ${Math.round(inBytes.at(-1) ?? 0)} B/s`)),
        h("figure", null, sparkline(outBytes, "bytes out per second"), h("figcaption", null, `out: ${Math.round(outBytes.at(-1) ?? 0)} B/s`)),
        h("figure", null, sparkline(lag, "consumer group lag, all groups"), h("figcaption", null, `group lag: ${lag.at(-1) ?? 0} records`)),
      );
    } catch (e) {
      holder.replaceChildren(h("p", { class: "status error" }, `metrics: ${(e as Error).message}`));
      return;
    }
    setTimeout(tick, 5000);
  };
  void tick();
}
