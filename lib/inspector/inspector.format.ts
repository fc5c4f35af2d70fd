import { displayText, escapeHtml } from './html.escape.js';

const e = (value: unknown): string => escapeHtml(displayText(value));

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
export function readableTime(iso: string): string {
  return /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(iso) ? `${iso.replace('T', ' ').replace('Z', '')} UTC` : iso;
}

export function timeElement(value: unknown, now: number): string {
  const iso = displayText(value);
  const ago = relative(iso, now);
  return `<time datetime="${e(iso)}" title="${e(iso)}">${e(ago || readableTime(iso))}</time>`;
}

export function triggerClass(trigger: string): string {
  if (trigger === 'failure') return 't-error';
  return trigger === 'error' || trigger === 'status' || trigger === 'duration' ? `t-${trigger}` : 't-other';
}

export function formatMs(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return displayText(value);
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}
