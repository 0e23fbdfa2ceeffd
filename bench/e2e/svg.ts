/**
 * Two small chart writers that return SVG text (no dependencies, no I/O): a grouped bar chart
 * with an optional limit marker per group, and a line chart with an optional logarithmic y axis.
 */

export interface BarSeries {
  name: string;
  values: number[];
}
export interface BarChart {
  title: string;
  yLabel: string;
  groups: string[];
  series: BarSeries[];
  /** Drawn as a dashed line across each group (e.g. the physical limit). */
  limit?: BarSeries;
  width?: number;
  height?: number;
}
export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  series: BarSeries[];
  logY?: boolean;
  /** A horizontal reference line (e.g. a target), with its label. */
  reference?: { value: number; label: string };
  width?: number;
  height?: number;
}

const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"];
const FONT = `font-family="sans-serif"`;

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Rounds a coordinate to 0.1 px so the output stays small and stable. */
function c(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/** A "nice" upper bound and tick step for values up to max (1, 2 or 5 times a power of ten). */
export function niceScale(max: number, ticks = 5): { top: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { top: 1, step: 0.2 };
  const raw = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

function formatTick(v: number): string {
  if (v === 0) return "0";
  if (Math.abs(v) >= 1000) return `${+(v / 1000).toFixed(1)}k`;
  if (Math.abs(v) < 1) return `${+v.toPrecision(2)}`;
  return `${+v.toFixed(1)}`;
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${c(width / 2)}" y="20" text-anchor="middle" font-size="14" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`,
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}

function legend(names: string[], x: number, y: number, dashedLast: boolean): string[] {
  const out: string[] = [];
  names.forEach((name, i) => {
    const yy = y + i * 16;
    const isLimit = dashedLast && i === names.length - 1;
    out.push(
      isLimit
        ? `<line x1="${c(x)}" y1="${c(yy + 5)}" x2="${c(x + 12)}" y2="${c(yy + 5)}" stroke="#333" stroke-width="2" stroke-dasharray="4 2"/>`
        : `<rect x="${c(x)}" y="${c(yy)}" width="12" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`,
      `<text x="${c(x + 16)}" y="${c(yy + 9)}" font-size="11" ${FONT}>${escapeXml(name)}</text>`,
    );
  });
  return out;
}

export function barChartSvg(ch: BarChart): string {
  const width = ch.width ?? 760;
  const height = ch.height ?? 360;
  const left = 60;
  const right = 190;
  const top = 36;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const all = ch.series.flatMap((s) => s.values).concat(ch.limit?.values ?? []).filter((v) => Number.isFinite(v));
  const { top: yTop, step } = niceScale(Math.max(0, ...all));
  const y = (v: number) => top + plotH - (Math.max(0, v) / yTop) * plotH;
  const body: string[] = [];
  for (let t = 0; t <= yTop + step / 2; t += step) {
    body.push(`<line x1="${left}" y1="${c(y(t))}" x2="${left + plotW}" y2="${c(y(t))}" stroke="#e0e0e0"/>`);
    body.push(`<text x="${left - 6}" y="${c(y(t) + 4)}" text-anchor="end" font-size="11" ${FONT}>${formatTick(t)}</text>`);
  }
  body.push(`<text x="14" y="${c(top + plotH / 2)}" font-size="12" ${FONT} text-anchor="middle" transform="rotate(-90 14 ${c(top + plotH / 2)})">${escapeXml(ch.yLabel)}</text>`);
  const groupW = plotW / Math.max(1, ch.groups.length);
  const nBars = Math.max(1, ch.series.length);
  const barW = (groupW * 0.8) / nBars;
  ch.groups.forEach((g, gi) => {
    const gx = left + gi * groupW + groupW * 0.1;
    ch.series.forEach((s, si) => {
      const v = s.values[gi];
      if (!Number.isFinite(v)) return;
      const x = gx + si * barW;
      body.push(`<rect x="${c(x)}" y="${c(y(v))}" width="${c(barW - 2)}" height="${c(top + plotH - y(v))}" fill="${PALETTE[si % PALETTE.length]}"><title>${escapeXml(`${s.name} ${g}: ${formatTick(v)}`)}</title></rect>`);
    });
    const lv = ch.limit?.values[gi];
    if (lv !== undefined && Number.isFinite(lv)) {
      body.push(`<line x1="${c(gx - 4)}" y1="${c(y(lv))}" x2="${c(gx + groupW * 0.8 + 4)}" y2="${c(y(lv))}" stroke="#333" stroke-width="2" stroke-dasharray="4 2"><title>${escapeXml(`${ch.limit!.name} ${g}: ${formatTick(lv)}`)}</title></line>`);
    }
    body.push(`<text x="${c(left + gi * groupW + groupW / 2)}" y="${c(top + plotH + 18)}" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(g)}</text>`);
  });
  body.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`);
  const names = ch.series.map((s) => s.name).concat(ch.limit ? [ch.limit.name] : []);
  body.push(...legend(names, left + plotW + 14, top + 4, !!ch.limit));
  return frame(width, height, ch.title, body);
}

export function lineChartSvg(ch: LineChart): string {
  const width = ch.width ?? 760;
  const height = ch.height ?? 360;
  const left = 60;
  const right = 150;
  const top = 36;
  const bottom = 44;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const ys = ch.series.flatMap((s) => s.values).concat(ch.reference ? [ch.reference.value] : []).filter((v) => Number.isFinite(v) && (!ch.logY || v > 0));
  const xMin = Math.min(...ch.x);
  const xMax = Math.max(...ch.x);
  const x = (v: number) => left + (xMax === xMin ? plotW / 2 : ((v - xMin) / (xMax - xMin)) * plotW);
  let y: (v: number) => number;
  const body: string[] = [];
  if (ch.logY) {
    const lo = Math.floor(Math.log10(Math.min(...ys, 1)));
    const hi = Math.ceil(Math.log10(Math.max(...ys, 10)));
    y = (v: number) => top + plotH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / Math.max(1, hi - lo)) * plotH;
    for (let e = lo; e <= hi; e++) {
      const t = 10 ** e;
      body.push(`<line x1="${left}" y1="${c(y(t))}" x2="${left + plotW}" y2="${c(y(t))}" stroke="#e0e0e0"/>`);
      body.push(`<text x="${left - 6}" y="${c(y(t) + 4)}" text-anchor="end" font-size="11" ${FONT}>${formatTick(t)}</text>`);
    }
  } else {
    const { top: yTop, step } = niceScale(Math.max(0, ...ys));
    y = (v: number) => top + plotH - (Math.max(0, v) / yTop) * plotH;
    for (let t = 0; t <= yTop + step / 2; t += step) {
      body.push(`<line x1="${left}" y1="${c(y(t))}" x2="${left + plotW}" y2="${c(y(t))}" stroke="#e0e0e0"/>`);
      body.push(`<text x="${left - 6}" y="${c(y(t) + 4)}" text-anchor="end" font-size="11" ${FONT}>${formatTick(t)}</text>`);
    }
  }
  for (const xv of ch.x) {
    body.push(`<text x="${c(x(xv))}" y="${c(top + plotH + 16)}" text-anchor="middle" font-size="11" ${FONT}>${formatTick(xv)}</text>`);
  }
  body.push(`<text x="${c(left + plotW / 2)}" y="${c(height - 8)}" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(ch.xLabel)}</text>`);
  body.push(`<text x="14" y="${c(top + plotH / 2)}" font-size="12" ${FONT} text-anchor="middle" transform="rotate(-90 14 ${c(top + plotH / 2)})">${escapeXml(ch.yLabel)}</text>`);
  if (ch.reference) {
    const ry = y(ch.reference.value);
    body.push(`<line x1="${left}" y1="${c(ry)}" x2="${left + plotW}" y2="${c(ry)}" stroke="#d00" stroke-dasharray="5 3"/>`);
    body.push(`<text x="${left + plotW - 4}" y="${c(ry - 4)}" text-anchor="end" font-size="11" fill="#d00" ${FONT}>${escapeXml(ch.reference.label)}</text>`);
  }
  ch.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length];
    const pts = ch.x.map((xv, i) => [xv, s.values[i]] as const).filter(([, v]) => Number.isFinite(v) && (!ch.logY || v > 0));
    if (pts.length > 1) body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([a, b]) => `${c(x(a))},${c(y(b))}`).join(" ")}"/>`);
    for (const [a, b] of pts) body.push(`<circle cx="${c(x(a))}" cy="${c(y(b))}" r="3" fill="${color}"><title>${escapeXml(`${s.name} at ${a}: ${formatTick(b)}`)}</title></circle>`);
  });
  body.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`);
  body.push(...legend(ch.series.map((s) => s.name), left + plotW + 14, top + 4, false));
  return frame(width, height, ch.title, body);
}
