import type { HudBreadcrumbsOptions } from '../options/hud-breadcrumbs.options.js';
import type { HudContextValue } from './context-value.types.js';
import type { Invocation } from './invocation.js';
import { cutText } from './utf16.text.js';

/** A message within `maxMessageLength`, cut with an ellipsis when it was longer. */
export function cutMessage(message: string, maxLength: number): string {
  return message.length <= maxLength ? message : `${cutText(message, Math.max(0, maxLength - 1))}…`;
}

/**
 * A breadcrumb as an invocation holds it while it runs. Most invocations succeed and their
 * breadcrumbs are dropped unread, so adding one does the least it can: one object of a
 * fixed shape, the raw clock reading, and for a logged object the object itself. The
 * record's `HudBreadcrumb` (milliseconds since the start, rounded; the object described as
 * text; `data` only when there is some) is made from it only when it is recorded.
 */
export class HeldBreadcrumb {
  constructor(
    /** `performance.now()` when it was added. */
    readonly at: number,
    readonly level: string,
    /** The message, cut to `maxMessageLength`; or an object a logger was given, described when recorded. */
    readonly message: string | object,
    readonly data: Readonly<Record<string, HudContextValue>> | undefined,
  ) {}
}

/**
 * Appends one breadcrumb to the invocation's ring: the oldest is overwritten (and counted in
 * `breadcrumbsDropped`) once `maxEntries` are held, so an invocation that logs in a loop holds
 * a bounded amount. Nothing is kept beyond the invocation: the ring lives on it.
 */
export function appendBreadcrumb(
  invocation: Invocation,
  settings: HudBreadcrumbsOptions,
  level: string,
  message: string | object,
  data: Readonly<Record<string, HudContextValue>> | undefined,
): void {
  const text = typeof message === 'string' ? cutMessage(message, settings.maxMessageLength) : message;
  const entry = new HeldBreadcrumb(performance.now(), level, text, data);
  const ring = (invocation.breadcrumbs ??= []);
  if (ring.length < settings.maxEntries) {
    ring.push(entry);
    return;
  }
  ring[invocation.breadcrumbsDropped % ring.length] = entry;
  invocation.breadcrumbsDropped++;
}

/** The invocation's breadcrumbs, oldest first. */
export function breadcrumbsInOrder(invocation: Invocation): HeldBreadcrumb[] {
  const ring = invocation.breadcrumbs;
  if (ring === undefined) return [];
  const start = invocation.breadcrumbsDropped % ring.length;
  return start === 0 ? ring.slice() : ring.slice(start).concat(ring.slice(0, start));
}
