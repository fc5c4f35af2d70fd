import type { HudLatencyReport } from '../analysis/latency/hud-latency-report.interface.js';
import { escapeHtml } from './html.escape.js';

/** `12 ms`, `1.24 s`; `–` when there is no figure (no successful invocation in the window). */
export function formatLatency(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

/** The column headers the table of names gains beside its record counts. */
export const LATENCY_HEADERS = '<th title="Median of the successful invocations in the window">p50</th><th title="99th percentile of the successful invocations in the window">p99</th><th title="Failing invocations of all in the window">Failure rate</th>';

/** The p50, p99 and failure-rate cells of one name, from its latency report (when it has one). */
export function latencyCells(report: HudLatencyReport | undefined): string {
  if (report === undefined) return '<td class="num">–</td><td class="num">–</td><td class="num">–</td>';
  const total = report.samples + report.failures;
  const rate = total === 0 ? '–' : `${((100 * report.failures) / total).toFixed(1)} %`;
  const title = `${report.failures} of ${total} invocations failed in the last ${Math.round(report.windowMs / 60_000)} min`;
  return `<td class="num">${formatLatency(report.p50)}</td><td class="num">${formatLatency(report.p99)}</td><td class="num" title="${escapeHtml(title)}">${rate}</td>`;
}
