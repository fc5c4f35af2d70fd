import type { ForensicsRecord } from '../forensics/forensics-record.interface.js';
import { displayText, escapeHtml } from './html.escape.js';
import { formatMs, readableTime, timeElement, triggerClass } from './inspector.format.js';
import { latencyLine, storySection } from './inspector-story.section.js';
import { contextOf, nameOf } from './inspector.query.js';

/** A link to the page with these query parameters (see `Page.href`). */
type Href = (params: Record<string, string | undefined>) => string;

const e = (value: unknown): string => escapeHtml(displayText(value));

/** One record as the page shows it; a record reshaped beyond reading by `beforeRecord` as a note. */
export function renderRecordCard(record: ForensicsRecord, now: number, href: Href): string {
  try {
    return cardOf(record, now, href);
  } catch {
    return `<article class="record"><p class="muted">A record that could not be shown (reshaped by beforeRecord?).</p></article>`;
  }
}

function cardOf(record: ForensicsRecord, now: number, href: Href): string {
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
  if (record.version !== undefined) meta.push(`<span>version <b class="mono">${e(record.version)}</b></span>`);
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
<div>${contextTable(record, href)}${dropped}${storySection(record)}</div>
${errorBox}
</div>
</article>`;
}

function contextTable(record: ForensicsRecord, href: Href): string {
  const context = contextOf(record);
  const keys = Object.keys(context);
  if (keys.length === 0) return '<p class="muted">No context was set.</p>';
  const link = (key: string, value: unknown) =>
    `<a href="${href({ key, value: displayText(value) })}" title="Every record with ${e(key)} = ${e(value)}">${e(value)}</a>`;
  const rows = keys.map((key) => {
    const value = context[key];
    const cell = Array.isArray(value) ? value.map((item) => link(key, item)).join(', ') : link(key, value);
    return `<tr><th class="mono" scope="row">${e(key)}</th><td class="mono">${cell}</td></tr>`;
  });
  return `<table class="context"><caption>Context</caption><tbody>${rows.join('')}</tbody></table>`;
}
