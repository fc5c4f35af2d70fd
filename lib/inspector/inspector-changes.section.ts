import type { ChangeFinding } from '../analysis/changes/change.detector.js';
import type { HudChangeReport, HudSpanFigures } from '../analysis/changes/hud-change-report.interface.js';
import { displayText, escapeHtml } from './html.escape.js';
import { renderChangeChart } from './inspector-change.chart.js';
import { formatLatency } from './inspector-latency.cells.js';
import type { PageHref } from './inspector-suspects.section.js';

const e = (value: unknown): string => escapeHtml(displayText(value));

export const CHANGES_STYLE = `
.changes{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:10px}
.change{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--status);border-radius:8px;padding:10px 14px}
.change h3{font-size:13.5px;margin:0 0 4px;display:flex;flex-wrap:wrap;gap:4px 10px;align-items:baseline}
.change ul{margin:4px 0;padding-left:18px}.change li{margin:2px 0}
svg.change-chart{display:block;margin-top:6px;font:10px ui-monospace,monospace;fill:var(--muted)}
svg.change-chart .recent{fill:var(--status-bg)}svg.change-chart .rate{fill:var(--error)}
svg.change-chart .p99{fill:none;stroke:var(--duration);stroke-width:1.5}
`;

function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate < 0.1 ? 1 : 0)} %`;
}

function times(ratio: number): string {
  return ratio === Infinity ? '∞' : `${ratio.toFixed(1)}×`;
}

const clock = (iso: string) => `${iso.slice(11, 19)} UTC`;

/** "failures 1.0 % → 19 % (19×)" and "p50 40 ms → 200 ms (5.0×), p99 …", for what rose. */
function figures(report: HudChangeReport): string[] {
  const { before, after } = report;
  const lines: string[] = [];
  if (report.failureRate !== undefined) {
    lines.push(
      `failures ${percent(before.failureRate)} → ${percent(after.failureRate)} (${times(report.failureRate.ratio)}): ${after.failures} of ${after.invocations} recent calls, ${before.failures} of ${before.invocations} before`,
    );
  }
  if (report.latency !== undefined) {
    const side = (figures: HudSpanFigures, key: 'p50Ms' | 'p99Ms') => formatLatency(figures[key]);
    lines.push(
      `p50 ${side(before, 'p50Ms')} → ${side(after, 'p50Ms')} (${times(report.latency.p50Ratio)}), p99 ${side(before, 'p99Ms')} → ${side(after, 'p99Ms')} (${times(report.latency.p99Ratio)})`,
    );
  }
  return lines;
}

function card({ report, series }: ChangeFinding, href: PageHref): string {
  const since = report.since;
  const recentStartMs = Date.parse(since) - performance.timeOrigin;
  const items = figures(report).map((line) => `<li>${e(line)}</li>`);
  for (const suspect of report.suspects) {
    const link = href({ key: suspect.key, value: displayText(suspect.value), name: report.name });
    const same = (suspect.sameAs ?? []).map((other) => `${other.key} = ${displayText(other.value)}`).join(', ');
    const what = `${suspect.failures} of ${Math.round(suspect.failures / suspect.failureShare)} recent failures, relative risk ${times(suspect.relativeRisk).replace('×', '')}`;
    items.push(`<li>hits <a class="mono" href="${link}">${e(`${suspect.key} = ${displayText(suspect.value)}`)}</a>${same ? ` <span class="muted">(same as ${e(same)})</span>` : ''}: ${e(what)}</li>`);
  }
  const label = `${report.name}: failure rate per bucket and p99 over the window, the recent span from ${clock(since)} shaded`;
  return `<article class="change"><h3><span class="mono">${e(report.name)}</span><span class="muted">since ${e(clock(since))}</span></h3><ul>${items.join('')}</ul>${renderChangeChart(series, recentStartMs, label)}</article>`;
}

/**
 * The names whose failure rate or latency rose in the recent span, each with its figures
 * before and after, the values its recent failures hit, and a small chart of the window.
 */
export function renderChanges(findings: readonly ChangeFinding[], href: PageHref): string {
  const heading = `<h2>What changed <span class="count">names whose failure rate or latency rose in the last minutes, against the rest of the window</span></h2>`;
  if (findings.length === 0) return `${heading}\n<p class="empty">Nothing changed: no name's failure rate or latency rose in the recent span.</p>`;
  return `${heading}\n<div class="changes" id="hud-changes">${findings.map((finding) => card(finding, href)).join('\n')}</div>`;
}
