import type { HudFleetName, HudFleetReport, HudFleetSuspect, HudFleetSuspectReport, HudFleetVersion } from '../fleet/hud-fleet-report.interface.js';
import { displayText, escapeHtml } from './html.escape.js';
import { formatMs } from './inspector.format.js';
import { percent, windowText } from './inspector-suspects.section.js';

const e = (value: unknown): string => escapeHtml(displayText(value));

export const FLEET_STYLE = `
.fleet-error{background:var(--status-bg);border:1px solid #d4a72c;border-radius:8px;padding:8px 14px;margin:0}
.groups tr.regressed td{background:var(--error-bg)}
`;

/** A version whose failure ratio is at least twice the other versions' of its name (with 5 failures or more). */
function regression(name: HudFleetName, version: HudFleetVersion): number | undefined {
  const otherInvocations = name.invocations - version.invocations;
  if (name.versions.length < 2 || otherInvocations <= 0 || version.failures < 5) return undefined;
  const others = (name.failures - version.failures) / otherInvocations;
  if (others === 0) return Infinity;
  const ratio = version.failureRatio / others;
  return ratio >= 2 ? ratio : undefined;
}

function versionRows(name: HudFleetName): string {
  return name.versions
    .map((version, i) => {
      const worse = regression(name, version);
      const badge =
        worse === undefined ? '' : ` <span class="badge t-error">${worse === Infinity ? 'only this version fails' : `${e(worse.toFixed(1))}× the other versions`}</span>`;
      const first = i === 0 ? `<td class="mono" rowspan="${name.versions.length}">${e(name.name)}</td>` : '';
      return `<tr${worse === undefined ? '' : ' class="regressed"'}>${first}<td class="mono">${e(version.version ?? '(none)')}</td><td class="num">${e(version.invocations)}</td><td class="num">${e(version.failures)}</td><td class="num">${e(percent(version.failureRatio))}${badge}</td><td class="num">${version.p99Ms === undefined ? '' : e(formatMs(version.p99Ms))}</td></tr>`;
    })
    .join('');
}

function suspectLine(report: HudFleetSuspectReport, suspect: HudFleetSuspect): string {
  const risk = suspect.relativeRisk === Infinity ? 'only these calls fail' : `${suspect.relativeRisk.toFixed(1)}× the failure rate of the rest`;
  return `<li><span class="mono">${e(suspect.key)} = ${e(suspect.value)}</span><span class="why">: ${e(suspect.failures)} of ${e(report.failures)} failures (${e(percent(suspect.failureShare))}), ${e(percent(suspect.baselineShare))} of calls, ${e(risk)}</span> <span class="muted">(p ${e(suspect.pValue.toExponential(1))})</span></li>`;
}

function suspects(reports: readonly HudFleetSuspectReport[]): string {
  const shown = reports.filter((report) => report.suspects.length > 0);
  if (shown.length === 0) return '<p class="empty">No context value stands out among the fleet\'s failures.</p>';
  const groups = shown.map(
    (report) =>
      `<article class="suspect-group"><h3><span class="mono">${e(report.name)}</span><span class="muted">${e(report.failures)} failing of ${e(report.invocations)} calls, every instance</span></h3><ul>${report.suspects.map((s) => suspectLine(report, s)).join('')}</ul></article>`,
  );
  return `<div class="suspects" id="hud-fleet-suspects">${groups.join('\n')}</div>`;
}

/**
 * The Fleet section: from Prometheus, each name's invocations, failure ratio and p99 per
 * version, summed over every instance, and the fleet's suspects. When Prometheus could not
 * answer, one line says why; the rest of the page is this instance's own and unchanged.
 */
export function renderFleet(report: HudFleetReport): string {
  const scope = `${report.service !== undefined ? `${e(report.service)}, ` : ''}every instance, last ${e(windowText(report.windowMs))}, from Prometheus`;
  const heading = `<h2 id="hud-fleet">Fleet <span class="count">${scope}</span></h2>`;
  if (report.error !== undefined) return `${heading}\n<p class="fleet-error" role="status">${e(report.error)}</p>`;
  if (report.names.length === 0) return `${heading}\n<p class="empty">Prometheus has no invocations of this service in the window.</p>`;
  const table = `<table class="groups" id="hud-fleet-versions"><thead><tr><th>Invocation</th><th>Version</th><th>Invocations</th><th>Failures</th><th>Failure ratio</th><th>p99</th></tr></thead>
<tbody>
${report.names.map(versionRows).join('\n')}
</tbody></table>`;
  return `${heading}\n${table}\n<h3>Fleet suspects</h3>\n${suspects(report.suspects)}`;
}
