import { randomUUID } from 'node:crypto';
import { breadcrumbsInOrder, cutMessage } from '../context/breadcrumb.buffer.js';
import type { HudContextValue } from '../context/context-value.types.js';
import type { HudBreadcrumb } from '../context/hud-breadcrumb.interface.js';
import type { Invocation } from '../context/invocation.js';
import { describeThrown as safeString } from '../hud.notes.js';
import { statusOf } from './failure.detector.js';
import type { ForensicsRecord, ForensicsTrigger } from './forensics-record.interface.js';
import { REDACTED, Redactor } from './redactor.js';
import { describeValue } from './value.describer.js';
import { ownedText } from '../context/utf16.text.js';

/** The most characters of a thrown error the record keeps (a message can be megabytes: a body, a query). */
export const MAX_ERROR_MESSAGE_LENGTH = 8192;
export const MAX_ERROR_STACK_LENGTH = 32_768;
export const MAX_ERROR_NAME_LENGTH = 256;

/**
 * Describes whatever was thrown: an Error, or a string, `null`, a frozen object... Never
 * throws, even for a Proxy or an object whose getters throw: the failure is still recorded.
 * Message, stack and name are cut to their caps (ending with `…`), as copies that keep
 * nothing of the original alive.
 */
export function describeError(error: unknown): NonNullable<ForensicsRecord['error']> {
  try {
    return describeThrown(error);
  } catch {
    return { name: 'UnreadableError', message: 'the thrown value could not be read (a getter or Proxy trap threw)' };
  }
}

function describeThrown(error: unknown): NonNullable<ForensicsRecord['error']> {
  const status = statusOf(error);
  if (error instanceof Error) {
    let message: unknown = error.message;
    if (typeof message !== 'string') message = safeString(message);
    const name: unknown = error.name;
    const described: NonNullable<ForensicsRecord['error']> = {
      name: cutMessage(typeof name === 'string' && name !== '' ? name : name ? safeString(name) : 'Error', MAX_ERROR_NAME_LENGTH),
      message: cutMessage(message as string, MAX_ERROR_MESSAGE_LENGTH),
    };
    const stack: unknown = error.stack;
    if (typeof stack === 'string') described.stack = cutMessage(stack, MAX_ERROR_STACK_LENGTH);
    if (status !== undefined) described.status = status;
    return described;
  }
  if (error !== null && typeof error === 'object') {
    // described without running its getters or toJSON, and only as far as the cap
    const message = describeValue(error, MAX_ERROR_MESSAGE_LENGTH);
    return { name: 'NonErrorThrown', message, ...(status !== undefined ? { status } : {}) };
  }
  return { name: 'NonErrorThrown', message: cutMessage(`${error === null ? 'null' : typeof error}: ${safeString(error)}`, MAX_ERROR_MESSAGE_LENGTH) };
}

/**
 * Records are handed to every exporter as they are, so each one is frozen as it is built:
 * freezing each object when it is made costs a fraction of walking the finished record
 * (which is what a record a `beforeRecord` hook returned goes through, see `deepFreeze`).
 */
const frozen = Object.freeze;

/** A frozen copy of context values (or breadcrumb data), redacted, arrays copied and frozen. */
function copyContext(values: Readonly<Record<string, HudContextValue>>, redactor: Redactor): Record<string, HudContextValue> {
  const context: Record<string, HudContextValue> = {};
  for (const key of Object.keys(values)) {
    const value = values[key];
    context[key] = redactor.shouldRedact(key) ? REDACTED : Array.isArray(value) ? (frozen(value.slice()) as HudContextValue) : value;
  }
  return frozen(context);
}

/** The breadcrumbs, oldest first, their data copied and redacted like context, logged objects described. */
function copyBreadcrumbs(invocation: Invocation, redactor: Redactor, maxMessageLength: number): HudBreadcrumb[] {
  const copies = breadcrumbsInOrder(invocation).map((crumb) => {
    const copy: HudBreadcrumb = {
      atMs: Math.round((crumb.at - invocation.startedAtMs) * 1000) / 1000,
      level: crumb.level,
      message: typeof crumb.message === 'string' ? crumb.message : describeValue(crumb.message, maxMessageLength),
    };
    if (crumb.data !== undefined) copy.data = copyContext(crumb.data, redactor);
    return frozen(copy);
  });
  return frozen(copies) as HudBreadcrumb[];
}

/**
 * `kind`, `name` and the transport details. The detail objects are the invocation's own
 * (the invocation is over, nothing writes to them any more): frozen, not copied; but the
 * URL, the request's URL with its query string cut off, is copied so that the record does
 * not keep the query string (up to Node's 16 KB header limit) alive.
 */
function describeInvocation(invocation: Invocation): ForensicsRecord['invocation'] {
  const { http, rpc, job } = invocation.details;
  const described: ForensicsRecord['invocation'] = { kind: invocation.kind, name: invocation.name };
  if (http !== undefined) {
    http.url = ownedText(http.url);
    described.http = frozen(http);
  }
  if (rpc !== undefined) described.rpc = frozen(rpc);
  if (job !== undefined) described.job = frozen(job);
  return frozen(described);
}

/**
 * Turns a completed invocation into the record exporters receive, deep-frozen. Runs after
 * the response.
 */
export function buildRecord(
  invocation: Invocation,
  trigger: ForensicsTrigger,
  service: string | undefined,
  redactor: Redactor,
  version?: string,
): ForensicsRecord {
  const record: ForensicsRecord = {
    id: randomUUID(),
    ...(service !== undefined ? { service } : {}),
    ...(version !== undefined ? { version } : {}),
    trigger,
    detectedAt: new Date(invocation.startedAt + invocation.durationMs).toISOString(),
    durationMs: Math.round(invocation.durationMs * 1000) / 1000,
    invocation: describeInvocation(invocation),
    context: copyContext(invocation.values, redactor),
  };
  if (invocation.hasError) record.error = frozen(describeError(invocation.error));
  if (invocation.failure !== undefined) record.failure = frozen({ reason: invocation.failure });
  const settings = invocation.runtime.options.breadcrumbs;
  if (invocation.breadcrumbs !== undefined && invocation.breadcrumbs.length > 0 && settings !== false) {
    record.breadcrumbs = copyBreadcrumbs(invocation, redactor, settings.maxMessageLength);
    if (invocation.breadcrumbsDropped > 0) record.breadcrumbsDropped = invocation.breadcrumbsDropped;
  }
  if (invocation.latency !== undefined) record.latency = frozen({ ...invocation.latency });
  if (invocation.dropped !== undefined) {
    record.dropped = frozen(invocation.dropped.map((p) => frozen({ ...p }))) as ForensicsRecord['dropped'];
    record.droppedCount = invocation.droppedCount;
  }
  // The invocation's own object, not a copy: the OpenTelemetry exporter finds the failing
  // span through it (the invocation is over, nothing else writes to it).
  if (invocation.trace !== undefined) record.trace = frozen(invocation.trace);
  return frozen(record);
}
