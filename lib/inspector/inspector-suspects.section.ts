import type { HudSuspect, HudSuspectReport } from '../analysis/suspects/hud-suspect-report.interface.js';
import { displayText, escapeHtml } from './html.escape.js';

const e = (value: unknown): string => escapeHtml(displayText(value));

/** Builds an (escaped) link to the page with these query parameters. */
export type PageHref = (params: Record<string, string | undefined>) => string;

export const SUSPECTS_STYLE = `
.suspects{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:10px}
.suspect-group{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--error);border-radius:8px;padding:10px 14px}
.suspect-group.slow{border-left-color:var(--duration)}
.suspect-group h3{font-size:13.5px;margin:0 0 4px;display:flex;flex-wrap:wrap;gap:4px 10px;align-items:baseline}
.suspect-group ul{margin:4px 0 0;padding-left:18px}.suspect-group li{margin:2px 0}
.suspect-group .why{color:var(--muted)}
.suspect-group .same{color:var(--muted);font-size:12px}
svg.shares{vertical-align:middle;margin-right:6px}svg.shares .calls{fill:var(--line)}svg.shares .fails{fill:var(--error)}
.suspect-group.slow svg.shares .fails{fill:var(--duration)}
`;

export function percent(share: number): string {
  const value = share * 100;
  return `${value >= 10 || value === 0 ? Math.round(value) : value.toFixed(1)} %`;
}

export function windowText(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

function times(value: number): string {
  return value === Infinity ? '∞' : value >= 10 ? value.toFixed(0) : value.toFixed(1);
}

/** The value's span, when it is not the whole of the name's window: `since 14:20:11`. */
function sinceText(since: string | undefined): string {
  return since === undefined ? '' : `, since ${since.slice(11, 19)} UTC`;
}

/**
 * "user_tier = pro: 18 of 20 failures (90 %), 12 % of calls, 7.5× the average, relative risk 66": the
 * counts over the value's span (the name's failures since `since`, when it is given).
 */
export function suspectSentence(suspect: HudSuspect, report: HudSuspectReport): string {
  const what = report.trigger === 'slow' ? 'slow invocations' : 'failures';
  const spanFailures = Math.round(suspect.failures / suspect.failureShare);
  return `${suspect.key} = ${displayText(suspect.value)}: ${suspect.failures} of ${spanFailures} ${what} (${percent(suspect.failureShare)}), ${percent(suspect.baselineShare)} of calls, ${suspect.lift.toFixed(1)}× the average, relative risk ${times(suspect.relativeRisk)}${sinceText(suspect.since)}`;
}

/** Two bars: the value's share of the failures over its share of the calls. */
function sharesPicture(suspect: HudSuspect, report: HudSuspectReport): string {
  const what = report.trigger === 'slow' ? 'slow invocations' : 'failures';
  const width = (share: number) => Math.max(1, Math.round(share * 60));
  const label = `${percent(suspect.failureShare)} of ${what}, ${percent(suspect.baselineShare)} of calls`;
  return `<svg class="shares" width="60" height="12" viewBox="0 0 60 12" role="img" aria-label="${e(label)}"><rect class="fails" x="0" y="0" height="5" width="${width(suspect.failureShare)}"/><rect class="calls" x="0" y="7" height="5" width="${width(suspect.baselineShare)}"/></svg>`;
}

function group(report: HudSuspectReport, href: PageHref): string {
  const items = report.suspects
    .map((suspect) => {
      const link = href({ key: suspect.key, value: displayText(suspect.value), name: report.name });
      const [label, why] = splitSentence(suspectSentence(suspect, report), suspect);
      const same = (suspect.sameAs ?? []).map((other) => `${other.key} = ${displayText(other.value)}`).join(', ');
      const sameText = same === '' ? '' : ` <span class="same" title="Values with the same counts: one cause, seen through several keys">(same as ${e(same)})</span>`;
      return `<li>${sharesPicture(suspect, report)}<a class="mono" href="${link}" title="The records of ${e(report.name)} with ${e(label)}">${e(label)}</a>${sameText}<span class="why">: ${e(why)}</span> <span class="muted">(p ${e(suspect.pValue.toExponential(1))})</span></li>`;
    })
    .join('');
  const what = report.trigger === 'slow' ? 'slow' : 'failing';
  return `<article class="suspect-group${report.trigger === 'slow' ? ' slow' : ''}"><h3><span class="mono">${e(report.name)}</span><span class="muted">${e(report.failures)} ${what} of ${e(report.invocations)} calls in the last ${e(windowText(report.windowMs))}</span></h3><ul>${items}</ul></article>`;
}

function splitSentence(sentence: string, suspect: HudSuspect): [string, string] {
  const label = `${suspect.key} = ${displayText(suspect.value)}`;
  return [label, sentence.slice(label.length + 2)];
}

/**
 * Each invocation name's suspects: the context values over-represented among its failures
 * (and its slow invocations), each a link to the records holding that value.
 */
export function renderSuspects(reports: readonly HudSuspectReport[], href: PageHref): string {
  const shown = reports.filter((report) => report.suspects.length > 0);
  const heading = `<h2>Suspects <span class="count">context values over-represented among the failures and slow calls of a name</span></h2>`;
  if (shown.length === 0) {
    return `${heading}\n<p class="empty">No context value stands out among the failures counted in the window.</p>`;
  }
  return `${heading}\n<div class="suspects" id="hud-suspects">${shown.map((report) => group(report, href)).join('\n')}</div>`;
}
