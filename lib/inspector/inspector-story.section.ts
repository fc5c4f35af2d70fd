import type { ForensicsRecord } from '../forensics/forensics-record.interface.js';
import { displayText, escapeHtml } from './html.escape.js';
import { formatLatency } from './inspector-latency.cells.js';

const e = (value: unknown): string => escapeHtml(displayText(value));

/** "took longer than 145 ms (this route's baseline); p50 12 ms, p99 48 ms over 1,204 calls". */
export function latencyLine(record: ForensicsRecord): string {
  const latency = record.latency;
  if (latency === null || typeof latency !== 'object') return '';
  const rule = latency.basis === 'baseline' ? "this name's own baseline" : latency.basis === 'decorator' ? '@HudSlowThreshold' : 'slowThresholdMs';
  const figures = typeof latency.samples === 'number' ? `; p50 ${formatLatency(latency.p50)}, p99 ${formatLatency(latency.p99)} over ${e(latency.samples)} calls` : '';
  return `<p class="latency">slower than ${formatLatency(latency.thresholdMs)} (${e(rule)})${figures}</p>`;
}

/** The `setFailure()` reason and the breadcrumbs of a record, oldest first; '' when it has neither. */
export function storySection(record: ForensicsRecord): string {
  const parts: string[] = [];
  if (record.failure !== undefined) parts.push(`<p class="error-title failure">Failure: ${e(record.failure?.reason)}</p>`);
  const crumbs = Array.isArray(record.breadcrumbs) ? record.breadcrumbs : [];
  if (crumbs.length > 0) {
    const items = crumbs.map(
      (crumb) =>
        `<li><span class="mono muted">+${e(crumb?.atMs)} ms</span> <span class="badge t-other">${e(crumb?.level)}</span> ${e(crumb?.message)}${
          crumb?.data !== undefined ? ` <span class="mono muted">${e(crumb.data)}</span>` : ''
        }</li>`,
    );
    const dropped = typeof record.breadcrumbsDropped === 'number' ? `<li class="muted">${e(record.breadcrumbsDropped)} older breadcrumbs dropped</li>` : '';
    parts.push(`<div class="box breadcrumbs"><h3>Breadcrumbs</h3><ol class="breadcrumbs">${dropped}${items.join('')}</ol></div>`);
  }
  return parts.join('');
}
