import type { HudLatencyReport } from '../analysis/latency/hud-latency-report.interface.js';
import { escapeHtml } from './html.escape.js';

/** `12 ms`, `1.24 s`; `–` when there is no figure (no successful invocation in the window). */
export function formatLatency(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

/** Style of the note beside a p99 that no baseline uses yet. */
export const LATENCY_STYLE = `.learning{display:block;color:var(--muted);font-size:11px;font-weight:400}`;

/** The column headers the table of names gains beside its record counts. */
export const LATENCY_HEADERS = '<th title="Median of the successful invocations in the window">p50</th><th title="99th percentile of the successful invocations in the window">p99</th><th title="Failing invocations of all in the window">Failure rate</th>';

/**
 * Said beside the p99 while the name has fewer successful invocations in the window than the
 * baseline rule needs (`slowBaseline.minSamples`): until then only `slowThresholdMs` applies.
 */
function baselineNote(samples: number, minSamples: number | undefined): string {
  if (minSamples === undefined || samples >= minSamples) return '';
  const title = `The name's own baseline applies once it has ${minSamples} successful invocations in the window (slowBaseline.minSamples); it has ${samples}, so only slowThresholdMs applies for now`;
  return ` <span class="learning" title="${escapeHtml(title)}">no baseline yet (${samples} of ${minSamples})</span>`;
}

/**
 * The p50, p99 and failure-rate cells of one name, from its latency report (when it has one);
 * `minSamples` is the baseline rule's, when `slowBaseline` is on.
 */
export function latencyCells(report: HudLatencyReport | undefined, minSamples?: number): string {
  if (report === undefined) return '<td class="num">–</td><td class="num">–</td><td class="num">–</td>';
  const total = report.samples + report.failures;
  const rate = total === 0 ? '–' : `${((100 * report.failures) / total).toFixed(1)} %`;
  const title = `${report.failures} of ${total} invocations failed in the last ${Math.round(report.windowMs / 60_000)} min`;
  return `<td class="num">${formatLatency(report.p50)}</td><td class="num">${formatLatency(report.p99)}${baselineNote(report.samples, minSamples)}</td><td class="num" title="${escapeHtml(title)}">${rate}</td>`;
}
