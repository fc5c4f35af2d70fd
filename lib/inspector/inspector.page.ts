import type { HudLatencyReport } from '../analysis/latency/hud-latency-report.interface.js';
import type { ForensicsRecord } from '../forensics/forensics-record.interface.js';
import type { HudForensicsStats } from '../forensics/forensics.stats.js';
import { displayText, escapeHtml } from './html.escape.js';
import type { HudSuspectReport } from '../analysis/suspects/hud-suspect-report.interface.js';
import { renderSuspects, SUSPECTS_STYLE } from './inspector-suspects.section.js';
import { contextOf, groupByName, isFiltered, nameOf, type InspectorFilter } from './inspector.query.js';
import { LATENCY_HEADERS, latencyCells } from './inspector-latency.cells.js';
import { latencyLine, storySection } from './inspector-story.section.js';

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

  /** Each name's recent latency and failures (`HudForensics.latency()`). */
  latency: readonly HudLatencyReport[];
  /** The token, when it came in the query string: links keep it so that navigation works. */
  queryToken: string | undefined;
  now: number;
  /** Nonce of this response's Content-Security-Policy, for the inline style and script. */
  nonce: string;
}

const e = (value: unknown): string => escapeHtml(displayText(value));

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--card:#fff;--link:#0969da;
--error:#cf222e;--error-bg:#ffebe9;--status:#9a6700;--status-bg:#fff8c5;--duration:#8250df;--duration-bg:#fbefff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",sans-serif;color:var(--fg);background:var(--soft)}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
.top{background:#1f2328;color:#fff;padding:12px 24px;display:flex;align-items:baseline;gap:14px;flex-wrap:wrap}
.top h1{font-size:17px;margin:0;font-weight:600}.top .service{background:#ffffff26;border-radius:999px;padding:1px 10px}
.top .when{margin-left:auto;color:#d1d9e0;font-size:12.5px}
main{max-width:1240px;margin:0 auto;padding:18px 24px 56px}
h2{font-size:15px;margin:26px 0 10px;display:flex;align-items:center;gap:12px}
h2 .count{color:var(--muted);font-weight:400}
.stats{display:flex;flex-wrap:wrap;gap:8px;margin:0;padding:0;list-style:none}
.stats li{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 12px;min-width:118px}
.stats b{display:block;font-size:18px;font-variant-numeric:tabular-nums}.stats span{color:var(--muted);font-size:12px}
.stats li.bad b{color:var(--error)}
form.filter{display:flex;flex-wrap:wrap;align-items:end;gap:10px;margin-top:16px;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
form.filter label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:3px}
form.filter input{font:inherit;color:var(--fg);padding:5px 8px;border:1px solid var(--line);border-radius:6px;min-width:190px}
form.filter button{font:inherit;font-weight:600;padding:5px 14px;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;cursor:pointer}
.active{margin:10px 2px 0;color:var(--muted)}.active b{color:var(--fg)}
table{border-collapse:collapse;width:100%}
.groups{background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden}
.groups th,.groups td{text-align:left;padding:7px 12px;border-bottom:1px solid var(--line);vertical-align:middle}
.groups th{background:var(--soft);font-size:12px;color:var(--muted);font-weight:600}
.groups tr:last-child td{border-bottom:0}.groups td.num{font-variant-numeric:tabular-nums;text-align:right}
.badge{display:inline-block;border-radius:999px;padding:0 8px;font-size:12px;font-weight:600;margin-right:4px;white-space:nowrap}
.t-error{color:var(--error);background:var(--error-bg)}.t-status{color:var(--status);background:var(--status-bg)}
.t-duration{color:var(--duration);background:var(--duration-bg)}.t-other{color:var(--muted);background:var(--soft)}
.muted{color:var(--muted)}
.record{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--muted);border-radius:8px;margin:0 0 12px;padding:12px 16px}
.record.t-error-card{border-left-color:var(--error)}.record.t-status-card{border-left-color:#d4a72c}.record.t-duration-card{border-left-color:var(--duration)}
.record header{display:flex;flex-wrap:wrap;align-items:baseline;gap:6px 14px}
.record header .name{font-weight:600;font-size:14.5px}
.record .meta{color:var(--muted);font-size:12.5px;display:flex;flex-wrap:wrap;gap:4px 14px;margin-top:2px}
.cols{display:grid;grid-template-columns:minmax(280px,2fr) 3fr;gap:18px;margin-top:10px}
.cols>*{min-width:0}
.cols.single{grid-template-columns:minmax(280px,680px)}
@media (max-width:860px){.cols{grid-template-columns:1fr}}
.context caption,.box h3{text-align:left;font-size:12px;color:var(--muted);font-weight:600;margin:0 0 4px;padding:0}
.context{width:100%}
.context th,.context td{text-align:left;padding:4px 10px;border-bottom:1px solid var(--line);vertical-align:top}
.context th{width:1%;white-space:nowrap;font-weight:500;color:var(--muted)}
.context td{overflow-wrap:anywhere}.context tr:last-child th,.context tr:last-child td{border-bottom:0}
.context{border:1px solid var(--line);border-radius:6px;border-collapse:separate;border-spacing:0}
.error-title{font-weight:600;color:var(--error);overflow-wrap:anywhere;margin:0 0 6px}
pre.stack{margin:0;background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 10px;max-height:220px;overflow:auto;white-space:pre;font-size:12px;line-height:1.45}
.dropped{margin:8px 0 0;padding-left:18px;color:var(--status)}
ol.breadcrumbs{margin:0;padding-left:18px;font-size:12.5px}.latency{margin:6px 0 0;color:var(--duration)}
.empty{background:var(--card);border:1px dashed var(--line);border-radius:8px;padding:28px;text-align:center;color:var(--muted)}
#hud-search{font:inherit;font-weight:400;padding:4px 8px;border:1px solid var(--line);border-radius:6px;min-width:240px}
footer{margin-top:28px;color:var(--muted);font-size:12.5px}
`;

/** Narrows the shown records as one types; the page works without it. */
const SCRIPT = `
(() => {
  const box = document.getElementById('hud-search');
  const shown = document.getElementById('hud-shown');
  const cards = Array.from(document.querySelectorAll('article.record'));
  if (!box || !shown) return;
  box.hidden = false;
  box.addEventListener('input', () => {
    const query = box.value.trim().toLowerCase();
    let count = 0;
    for (const card of cards) {
      const match = query === '' || card.textContent.toLowerCase().includes(query);
      card.hidden = !match;
      if (match) count++;
    }
    shown.textContent = String(count);
  });
})();
`;

function relative(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '';
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** `2026-11-25 14:20:11.532 UTC` for an ISO time, the text itself otherwise. */
function readableTime(iso: string): string {
  return /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(iso) ? `${iso.replace('T', ' ').replace('Z', '')} UTC` : iso;
}

function timeElement(value: unknown, now: number): string {
  const iso = displayText(value);
  const ago = relative(iso, now);
  return `<time datetime="${e(iso)}" title="${e(iso)}">${e(ago || readableTime(iso))}</time>`;
}

function triggerClass(trigger: string): string {
  if (trigger === 'failure') return 't-error';
  return trigger === 'error' || trigger === 'status' || trigger === 'duration' ? `t-${trigger}` : 't-other';
}

function formatMs(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return displayText(value);
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

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
<style nonce="${e(nonce)}">${STYLE}${SUSPECTS_STYLE}</style>
</head>
<body>
<div class="top"><h1>nestjs-hud inspector</h1>${service !== undefined ? `<span class="service">${e(service)}</span>` : ''}<span class="when">rendered ${e(readableTime(new Date(now).toISOString()))}</span></div>
<main>
${this.stats()}
${this.filterForm()}
${renderSuspects(this.input.suspects, (params) => this.href(params))}
${this.groups()}
${this.records()}
<footer>Held in memory: the last ${this.input.maxRecords} records (<code>inspector.maxRecords</code>), redacted and after <code>beforeRecord</code>, as every exporter sees them. Also as JSON: <a href="${this.jsonHref()}">records.json</a>.</footer>
</main>
<script nonce="${e(nonce)}">${SCRIPT}</script>
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
        return `<tr><td><a class="mono" href="${this.href({ name: group.name, key: filter.key, value: filter.key !== undefined ? filter.value : undefined })}">${e(group.name)}</a></td><td>${e(group.kind)}</td><td class="num">${e(group.count)}</td><td>${timeElement(group.lastSeen, now)}</td><td>${triggers}</td><td class="mono">${e(group.statuses.join(', '))}</td>${latencyCells(latency.get(group.name))}</tr>`;
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
    const cards = records.map((record) => this.card(record)).join('\n');
    return `<h2>Records <span class="count"><span id="hud-shown">${records.length}</span> shown, newest first</span><input id="hud-search" type="search" placeholder="Narrow down this page…" aria-label="Narrow down the records on this page" hidden></h2>
${cards}`;
  }

  private card(record: ForensicsRecord): string {
    try {
      return this.cardOf(record);
    } catch {
      return `<article class="record"><p class="muted">A record that could not be shown (reshaped by beforeRecord?).</p></article>`;
    }
  }

  private cardOf(record: ForensicsRecord): string {
    const { now } = this.input;
    const trigger = displayText(record.trigger);
    const invocation = record.invocation ?? ({} as ForensicsRecord['invocation']);
    const http = invocation.http;
    const meta: string[] = [];
    if (http !== undefined) {
      meta.push(`<span class="mono">${e(http.method)} ${e(http.url)}</span>`, `<span>status <b>${e(http.statusCode)}</b></span>`);
    }
    if (invocation.rpc !== undefined) {
      meta.push(`<span>pattern <span class="mono">${e(invocation.rpc.pattern)}</span>${invocation.rpc.transport !== undefined ? ` (${e(invocation.rpc.transport)})` : ''}</span>`);
    }
    if (invocation.job !== undefined) {
      const job = invocation.job;
      meta.push(`<span>job ${e([job.queue, job.jobId].filter((x) => x !== undefined).join(' #'))}${job.attempt !== undefined ? `, attempt ${e(job.attempt)}` : ''}</span>`);
    }
    meta.push(`<span>${e(displayText(invocation.kind))}</span>`);
    if (record.trace !== undefined) meta.push(`<span>trace <span class="mono">${e(record.trace.traceId)}</span></span>`);
    meta.push(`<span>id <span class="mono">${e(record.id)}</span></span>`);

    const error = record.error;
    const errorBox =
      error === undefined
        ? ''
        : `<div class="box error"><h3>Error${error.status !== undefined ? ` (status ${e(error.status)})` : ''}</h3><p class="error-title">${e(error.name)}: ${e(error.message)}</p>${
            error.stack !== undefined ? `<pre class="stack">${e(error.stack)}</pre>` : ''
          }</div>`;
    const dropped = Array.isArray(record.dropped) && record.dropped.length > 0
      ? `<ul class="dropped">${record.dropped.map((p) => `<li><span class="mono">${e(p?.key)}</span>: ${e(p?.reason)}</li>`).join('')}</ul>`
      : '';
    return `<article class="record ${triggerClass(trigger)}-card" id="${e(`r-${displayText(record.id)}`)}">
<header><span class="badge ${triggerClass(trigger)}">${e(trigger)}</span><span class="name mono">${e(nameOf(record))}</span><span>${e(formatMs(record.durationMs))}</span><span>${timeElement(record.detectedAt, now)} · ${e(readableTime(displayText(record.detectedAt)))}</span></header>
<div class="meta">${meta.join('')}</div>${latencyLine(record)}
<div class="cols${errorBox === '' ? ' single' : ''}">
<div>${this.contextTable(record)}${dropped}${storySection(record)}</div>
${errorBox}
</div>
</article>`;
  }

  private contextTable(record: ForensicsRecord): string {
    const context = contextOf(record);
    const keys = Object.keys(context);
    if (keys.length === 0) return '<p class="muted">No context was set.</p>';
    const link = (key: string, value: unknown) =>
      `<a href="${this.href({ key, value: displayText(value) })}" title="Every record with ${e(key)} = ${e(value)}">${e(value)}</a>`;
    const rows = keys.map((key) => {
      const value = context[key];
      const cell = Array.isArray(value) ? value.map((item) => link(key, item)).join(', ') : link(key, value);
      return `<tr><th class="mono" scope="row">${e(key)}</th><td class="mono">${cell}</td></tr>`;
    });
    return `<table class="context"><caption>Context</caption><tbody>${rows.join('')}</tbody></table>`;
  }
}

/** The inspector page: readable without JavaScript; every value escaped. */
export function renderInspectorPage(input: InspectorPageInput): string {
  return new Page(input).render();
}
