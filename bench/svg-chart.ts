/** One line of a chart: its name in the legend and its [percentile, value] points. */
export interface ChartSeries {
  name: string;
  points: [number, number][];
}

export interface PercentileChart {
  title: string;
  /** Under the title: the run, its options, the machine. */
  subtitle: string;
  /** Unit of the values, e.g. `ms`. */
  unit: string;
  series: ChartSeries[];
}

const W = 720;
const H = 400;
const M = { left: 70, right: 200, top: 60, bottom: 50 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const label = (p: number) => (p === 100 ? 'max' : `p${num(p)}`);

/** 1, 2 or 5 times a power of ten: the step of about five ticks up to `max`. */
export function tickStep(max: number): number {
  if (!(max > 0)) return 1;
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((k) => k * pow).find((s) => s >= raw)!;
}

/**
 * A latency distribution as hand-written SVG (no chart library): one line per series over the
 * percentiles they share, evenly spaced so that the tail (p99, p99.9, max) gets as much room as
 * the middle. Plain SVG 1.1 that GitHub renders in Markdown as an image.
 */
export function percentileChart(chart: PercentileChart): string {
  const percentiles = [...new Set(chart.series.flatMap((s) => s.points.map(([p]) => p)))].sort((a, b) => a - b);
  const values = chart.series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  const step = tickStep(Math.max(0, ...values));
  const top = Math.max(step, Math.ceil(Math.max(0, ...values) / step) * step);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (p: number) => M.left + (percentiles.length > 1 ? (percentiles.indexOf(p) / (percentiles.length - 1)) * plotW : plotW / 2);
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="bold">${esc(chart.title)}</text>`,
    `<text x="${M.left}" y="40" fill="#555555">${esc(chart.subtitle)}</text>`,
  ];
  for (let v = 0; v <= top; v += step) {
    out.push(`<line x1="${M.left}" y1="${y(v)}" x2="${M.left + plotW}" y2="${y(v)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 8}" y="${y(v) + 4}" text-anchor="end">${num(v)}</text>`);
  }
  for (const p of percentiles) out.push(`<text x="${x(p)}" y="${M.top + plotH + 18}" text-anchor="middle">${label(p)}</text>`);
  out.push(
    `<text x="16" y="${M.top + plotH / 2}" transform="rotate(-90 16 ${M.top + plotH / 2})" text-anchor="middle">${esc(chart.unit)}</text>`,
  );
  out.push(`<line x1="${M.left}" y1="${M.top + plotH}" x2="${M.left + plotW}" y2="${M.top + plotH}" stroke="#333333"/>`);
  chart.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts = s.points.filter(([, v]) => Number.isFinite(v)).map(([p, v]) => `${x(p).toFixed(1)},${y(v).toFixed(1)}`);
    out.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.join(' ')}"><title>${esc(s.name)}</title></polyline>`,
    );
    const ly = M.top + 10 + i * 20;
    out.push(`<line x1="${W - M.right + 15}" y1="${ly}" x2="${W - M.right + 35}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${W - M.right + 40}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
