import type { ChangeSeries } from '../analysis/changes/change.detector.js';
import { escapeHtml } from './html.escape.js';

const WIDTH = 320;
const HEIGHT = 90;
const TOP = 6;
const BOTTOM = 16;

const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * A small chart of one name over the window, drawn on the server (SVG, no script): its
 * failure rate per bucket as bars, its p99 per step of the latency sketches as a line (own
 * scale), the recent span shaded. Every text is escaped; the numbers are the page's own.
 */
export function renderChangeChart(series: ChangeSeries, recentStartMs: number, label: string): string {
  const spanMs = series.bucketMs * series.invocations.length;
  const x = (ms: number) => round1(Math.min(WIDTH, Math.max(0, ((ms - series.firstStartMs) / spanMs) * WIDTH)));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const rates = series.invocations.map((calls, i) => (calls === 0 ? 0 : series.failures[i] / calls));
  const topRate = Math.max(0.01, ...rates);
  const barWidth = WIDTH / series.invocations.length;
  const parts: string[] = [];
  parts.push(`<rect class="recent" x="${x(recentStartMs)}" y="0" width="${round1(WIDTH - x(recentStartMs))}" height="${HEIGHT - BOTTOM}"><title>the recent span</title></rect>`);
  rates.forEach((rate, i) => {
    const height = round1((rate / topRate) * plotHeight);
    const title = `${series.failures[i]} of ${series.invocations[i]} calls failed (${(rate * 100).toFixed(1)} %)`;
    parts.push(`<rect class="rate" x="${round1(i * barWidth + 1)}" y="${round1(TOP + plotHeight - height)}" width="${round1(barWidth - 2)}" height="${height}"><title>${escapeHtml(title)}</title></rect>`);
  });
  const latency = series.latency;
  if (latency !== undefined) {
    const known = latency.p99s.filter((v): v is number => v !== undefined);
    const topMs = Math.max(1, ...known);
    const points: string[] = [];
    latency.p99s.forEach((p99, i) => {
      if (p99 === undefined) return;
      const middle = latency.firstStartMs + (i + 0.5) * latency.stepMs;
      if (middle < series.firstStartMs) return;
      points.push(`${x(middle)},${round1(TOP + plotHeight - (p99 / topMs) * plotHeight)}`);
    });
    if (points.length > 0) {
      parts.push(`<polyline class="p99" points="${points.join(' ')}"><title>${escapeHtml(`p99 per step, highest ${Math.round(topMs)} ms`)}</title></polyline>`);
    }
  }
  const minutes = Math.round(spanMs / 60_000);
  parts.push(`<text x="0" y="${HEIGHT - 3}">−${minutes} min</text><text x="${WIDTH}" y="${HEIGHT - 3}" text-anchor="end">now</text>`);
  parts.push(`<text x="2" y="${TOP + 8}">${escapeHtml(`${(topRate * 100).toFixed(topRate < 0.1 ? 1 : 0)} % failed`)}</text>`);
  return `<svg class="change-chart" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(label)}">${parts.join('')}</svg>`;
}
