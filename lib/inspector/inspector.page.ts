import type { HudLatencyReport } from '../analysis/latency/hud-latency-report.interface.js';
import type { ForensicsRecord } from '../forensics/forensics-record.interface.js';
import type { HudForensicsStats } from '../forensics/forensics.stats.js';
import { displayText, escapeHtml } from './html.escape.js';
import type { HudSuspectReport } from '../analysis/suspects/hud-suspect-report.interface.js';
import { renderSuspects, SUSPECTS_STYLE } from './inspector-suspects.section.js';
import type { ChangeFinding } from '../analysis/changes/change.detector.js';
import { CHANGES_STYLE, renderChanges } from './inspector-changes.section.js';
import { groupByName, isFiltered, type InspectorFilter } from './inspector.query.js';
import { INSPECTOR_SCRIPT, INSPECTOR_STYLE } from './inspector-page.assets.js';
import { readableTime, timeElement, triggerClass } from './inspector.format.js';
import { renderRecordCard } from './inspector-record.card.js';
import { fitRecords, MAX_RECORDS_RESPONSE_CHARACTERS } from './inspector-response.budget.js';
import { LATENCY_HEADERS, LATENCY_STYLE, latencyCells } from './inspector-latency.cells.js';
import type { HudFleetReport } from '../fleet/hud-fleet-report.interface.js';
import { FLEET_STYLE, renderFleet } from './inspector-fleet.section.js';

/** Everything the page shows; the page itself is a pure function of it. */
export interface InspectorPageInput {
  /** The inspector's path, e.g. `/_hud`. */
  path: string;
  service: string | undefined;
  /** The records to show (already filtered), newest first. */
  records: readonly ForensicsRecord[];
  /** How many records the inspector holds before filtering, and at most. */
  held: number;
  maxRecords: number;
  /** Context keys seen in the held records, for the filter's suggestions. */
  keys: readonly string[];
  filter: InspectorFilter;
  stats: HudForensicsStats;
  /** Suspects of each name, for failures then for slow invocations. */
  suspects: readonly HudSuspectReport[];
  /** What changed, with each name's counts over the window (`undefined`: `changes: false`, no section). */
  changes?: readonly ChangeFinding[];

  /** Each name's recent latency and failures (`HudForensics.latency()`). */
  latency: readonly HudLatencyReport[];
  /** The fleet's figures from Prometheus, when `inspector.fleet` is set. */
  fleet?: HudFleetReport;
  /** Successful invocations a name needs before its baseline applies (`slowBaseline.minSamples`); none when it is off. */
  baselineMinSamples?: number;
  /** The token, when it came in the query string: links keep it so that navigation works. */
  queryToken: string | undefined;
  now: number;
  /** Nonce of this response's Content-Security-Policy, for the inline style and script. */
  nonce: string;
}

const e = (value: unknown): string => escapeHtml(displayText(value));
class Page {
  constructor(private readonly input: InspectorPageInput) {}

  /** A link to the page (or its JSON) with these query parameters, keeping a query-string token. */
  href(params: Record<string, string | undefined>, target = this.input.path): string {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, value);
    if (this.input.queryToken !== undefined) query.set('token', this.input.queryToken);
    const text = query.toString();
    return escapeHtml(text === '' ? target : `${target}?${text}`);
  }

  render(): string {
    const { service, now, nonce } = this.input;
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>nestjs-hud inspector${service !== undefined ? ` · ${e(service)}` : ''}</title>
<style nonce="${e(nonce)}">${INSPECTOR_STYLE}${SUSPECTS_STYLE}${LATENCY_STYLE}${CHANGES_STYLE}${this.input.fleet !== undefined ? FLEET_STYLE : ''}</style>
</head>
<body>
<div class="top"><h1>nestjs-hud inspector</h1>${service !== undefined ? `<span class="service">${e(service)}</span>` : ''}<span class="when">rendered ${e(readableTime(new Date(now).toISOString()))}</span></div>
<main>
${this.stats()}
${this.filterForm()}
${this.input.changes === undefined ? '' : renderChanges(this.input.changes, (params) => this.href(params))}
${renderSuspects(this.input.suspects, (params) => this.href(params))}
${this.input.fleet !== undefined ? renderFleet(this.input.fleet) : ''}
${this.groups()}
${this.records()}
<footer>Held in memory: the last ${this.input.maxRecords} records (<code>inspector.maxRecords</code>), redacted and after <code>beforeRecord</code>, as every exporter sees them. Also as JSON: <a href="${this.jsonHref()}">records.json</a>.</footer>
</main>
<script nonce="${e(nonce)}">${INSPECTOR_SCRIPT}</script>
</body>
</html>`;
  }

  private jsonHref(): string {
    const { key, value, name } = this.input.filter;
    return this.href({ key, value: key !== undefined ? value : undefined, name }, `${this.input.path === '/' ? '' : this.input.path}/records.json`);
  }

  private stats(): string {
    const s = this.input.stats;
    const item = (label: string, value: number, bad = false) =>
      `<li${bad && value > 0 ? ' class="bad"' : ''}><b>${e(value)}</b><span>${label}</span></li>`;
    return `<ul class="stats" aria-label="Pipeline counters since start">
${item('recorded', s.recorded)}${item('dropped by rate limit', s.droppedByRateLimit, true)}${item('dropped by queue', s.droppedByQueue, true)}${item('dropped by beforeRecord', s.droppedByHook)}${item('exporter errors', s.exporterErrors, true)}${item('exporter time-outs', s.exporterTimeouts, true)}${item('queued now', s.queued)}
</ul>`;
  }

  private filterForm(): string {
    const { filter, keys, queryToken, records, held } = this.input;
    const options = keys.map((key) => `<option value="${e(key)}">`).join('');
    const active: string[] = [];
    if (filter.key !== undefined) {
      active.push(
        filter.value !== undefined && filter.value !== ''
          ? `<b class="mono">${e(filter.key)}</b> = <b class="mono">${e(filter.value)}</b>`
          : `has key <b class="mono">${e(filter.key)}</b>`,
      );
    }
    if (filter.name !== undefined) active.push(`invocation <b class="mono">${e(filter.name)}</b>`);
    const summary = isFiltered(filter)
      ? `<p class="active">Showing ${active.join(' and ')}: ${records.length} of ${held} records. <a href="${this.href({})}">Clear filter</a></p>`
      : '';
    return `<form class="filter" method="get" action="${escapeHtml(this.input.path)}" role="search">
<label>Context key<input name="key" list="hud-keys" value="${e(filter.key ?? '')}" placeholder="client_id" autocomplete="off"></label>
<datalist id="hud-keys">${options}</datalist>
<label>Value<input name="value" value="${e(filter.value ?? '')}" placeholder="acme" autocomplete="off"></label>
${filter.name !== undefined ? `<input type="hidden" name="name" value="${e(filter.name)}">` : ''}${queryToken !== undefined ? `<input type="hidden" name="token" value="${e(queryToken)}">` : ''}
<button type="submit">Filter</button>
</form>
${summary}`;
  }

  private groups(): string {
    const { records, now, filter } = this.input;
    const groups = groupByName(records);
    const latency = new Map(this.input.latency.map((report) => [report.name, report]));
    const rows = groups
      .map((group) => {
        const triggers = Object.entries(group.triggers)
          .map(([trigger, count]) => `<span class="badge ${triggerClass(trigger)}">${e(trigger)} ${e(count)}</span>`)
          .join('');
        return `<tr><td><a class="mono" href="${this.href({ name: group.name, key: filter.key, value: filter.key !== undefined ? filter.value : undefined })}">${e(group.name)}</a></td><td>${e(group.kind)}</td><td class="num">${e(group.count)}</td><td>${timeElement(group.lastSeen, now)}</td><td>${triggers}</td><td class="mono">${e(group.statuses.join(', '))}</td>${latencyCells(latency.get(group.name), this.input.baselineMinSamples)}</tr>`;
      })
      .join('\n');
    const table =
      groups.length === 0
        ? ''
        : `<table class="groups" id="hud-groups"><thead><tr><th>Invocation</th><th>Kind</th><th>Records</th><th>Last seen</th><th>Triggers</th><th>Statuses</th>${LATENCY_HEADERS}</tr></thead>
<tbody>
${rows}
</tbody></table>`;
    return `<h2>Invocations <span class="count">${groups.length} ${groups.length === 1 ? 'name' : 'names'} in ${records.length} ${records.length === 1 ? 'record' : 'records'}</span></h2>\n${table || '<p class="empty">No records yet. Failing and slow invocations appear here as they happen.</p>'}`;
  }

  private records(): string {
    const { records } = this.input;
    if (records.length === 0) return '';
    const { texts: cards, leftOut } = fitRecords(records, (record) => this.card(record));
    const note =
      leftOut === 0
        ? ''
        : `<p class="active" id="hud-left-out">${e(leftOut)} ${leftOut === 1 ? 'record is' : 'records are'} held but not shown: one answer carries at most ${e(MAX_RECORDS_RESPONSE_CHARACTERS / 1024 / 1024)} MiB of records. Filter by invocation or context value to see them.</p>\n`;
    return `<h2>Records <span class="count"><span id="hud-shown">${cards.length}</span> shown, newest first</span><input id="hud-search" type="search" placeholder="Narrow down this page…" aria-label="Narrow down the records on this page" hidden></h2>
${note}${cards.join('\n')}`;
  }

  private card(record: ForensicsRecord): string {
    return renderRecordCard(record, this.input.now, (params) => this.href(params));
  }
}

/** The inspector page: readable without JavaScript; every value escaped. */
export function renderInspectorPage(input: InspectorPageInput): string {
  return new Page(input).render();
}
