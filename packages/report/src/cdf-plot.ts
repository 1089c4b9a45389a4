import type { CdfSectionData } from '@netsynth/evalkit';
import { formatNumber } from '@netsynth/evalkit';
import { scaleLinear, scaleLog } from 'd3-scale';
import { curveStepAfter, line } from 'd3-shape';
import { esc, slug } from './html.js';

export interface CdfPlotOptions {
  width?: number;
  height?: number;
  /** Top of the y axis for curves that are not CDFs (a loss history); default 1. */
  yMax?: number;
}

/** Series colours: real first (blue), synthetic second (orange), then more (colour-blind safe, Okabe–Ito). */
export const SERIES_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00'] as const;
const DASHES = ['', '6 3', '2 2', '8 3 2 3', '', '4 4'] as const;

/**
 * One empirical CDF plot as a standalone SVG string: d3-scale for the axes (linear or log x,
 * "nice" domains and ticks) and d3-shape for the step-curve paths, with no DOM involved,
 * so the report is drawn at build time with no browser.
 */
export function renderCdfSvg(title: string, data: CdfSectionData, options: CdfPlotOptions = {}): string {
  const width = options.width ?? 440;
  const height = options.height ?? 296;
  const m = { top: 44, right: 14, bottom: 46, left: 48 };
  const iw = width - m.left - m.right;
  const ih = height - m.top - m.bottom;
  const all = data.series.flatMap((s) => s.x);
  const positive = all.filter((v) => v > 0);
  const useLog = data.logX && positive.length > 0;
  let lo = useLog ? Math.min(...positive) : Math.min(...all);
  let hi = useLog ? Math.max(...positive) : Math.max(...all);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = useLog ? 1 : 0;
    hi = useLog ? 10 : 1;
  }
  if (hi <= lo) hi = useLog ? lo * 10 : lo + 1;
  const x = useLog ? scaleLog().domain([lo, hi]).range([0, iw]).nice().clamp(true) : scaleLinear().domain([lo, hi]).range([0, iw]).nice();
  const y = scaleLinear()
    .domain([0, options.yMax !== undefined && options.yMax > 0 ? options.yMax : 1])
    .range([ih, 0])
    .nice();
  const clipX = (v: number): number => (useLog ? Math.max(v, lo) : v);
  const path = line<[number, number]>()
    .x((p) => x(clipX(p[0])))
    .y((p) => y(p[1]))
    .curve(curveStepAfter);

  const xTicks = useLog ? logTicks(x.domain() as [number, number]) : x.ticks(6);
  const yTicks = y.ticks(5);
  const id = slug(data.id);
  const parts: string[] = [];
  parts.push(
    `<svg class="cdf" id="${esc(id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${esc(id)}-title">`,
    `<title id="${esc(id)}-title">${esc(title)}: empirical CDF</title>`,
    `<text class="plot-title" x="8" y="12" dy="0.32em">${esc(title)}</text>`,
    `<g transform="translate(${m.left},${m.top})">`,
  );
  for (const t of yTicks) {
    parts.push(`<line class="grid" x1="0" x2="${iw}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/>`);
    parts.push(`<text class="tick" x="-6" y="${y(t).toFixed(1)}" dy="0.32em" text-anchor="end">${esc(formatNumber(t))}</text>`);
  }
  for (const t of xTicks) {
    const px = x(t).toFixed(1);
    parts.push(`<line class="grid" x1="${px}" x2="${px}" y1="0" y2="${ih}"/>`);
    parts.push(`<text class="tick" x="${px}" y="${ih + 14}" text-anchor="middle">${esc(tickLabel(t))}</text>`);
  }
  parts.push(`<rect class="frame" x="0" y="0" width="${iw}" height="${ih}"/>`);
  data.series.forEach((s, i) => {
    if (s.x.length === 0) return;
    // Start the step at 0 so the curve rises from the axis at the smallest value.
    const pts: [number, number][] = [[s.x[0] as number, 0], ...s.x.map((v, k) => [v, s.y[k] as number] as [number, number])];
    const last = pts[pts.length - 1] as [number, number];
    pts.push([x.invert(iw), last[1]]);
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length] as string;
    const dash = DASHES[i % DASHES.length] as string;
    parts.push(
      `<path class="series" data-series="${esc(s.name)}" d="${path(pts) ?? ''}" fill="none" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
    );
  });
  parts.push(`<text class="axis-label" x="${iw / 2}" y="${ih + 34}" text-anchor="middle">${esc(data.xLabel)}${useLog ? ' (log scale)' : ''}</text>`);
  parts.push(`<text class="axis-label" transform="translate(-36,${ih / 2}) rotate(-90)" text-anchor="middle">share ≤ x</text>`);
  parts.push('</g>');
  // Legend on its own line under the title, in the top margin, so it never hides a curve.
  let lx = m.left;
  data.series.forEach((s, i) => {
    const label = `${s.name}${s.x.length ? '' : ' (no data)'}`;
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length] as string;
    const dash = DASHES[i % DASHES.length] as string;
    parts.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="29" y2="29" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      `<text class="legend" x="${lx + 24}" y="29" dy="0.32em">${esc(label)}</text>`,
    );
    lx += Math.round(label.length * 6.2 + 40);
  });
  parts.push('</svg>');
  return parts.join('');
}

function logTicks([a, b]: [number, number]): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(a)); e <= Math.ceil(Math.log10(b)); e++) {
    const v = 10 ** e;
    if (v >= a * 0.999 && v <= b * 1.001) out.push(v);
  }
  return out;
}

function tickLabel(v: number): string {
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-2)) {
    const e = Math.log10(Math.abs(v));
    if (Number.isInteger(Math.round(e * 1e9) / 1e9)) return `1e${Math.round(e)}`;
    return v.toExponential(0);
  }
  return formatNumber(v);
}
