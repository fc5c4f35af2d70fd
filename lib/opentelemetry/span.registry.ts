import type { Span } from '@opentelemetry/api';

/**
 * The span an invocation ran under, found from the `trace` object the invocation and its
 * record share. Keyed weakly by that object and holding the span weakly, so neither a kept
 * record nor this map keeps a finished span alive: once collected, the exporter rebuilds the
 * span's context from the record's ids instead.
 */
const spans = new WeakMap<object, WeakRef<Span>>();

export function rememberSpan(trace: object, span: Span): void {
  spans.set(trace, new WeakRef(span));
}

export function spanOf(trace: object | undefined): Span | undefined {
  return trace === undefined ? undefined : spans.get(trace)?.deref();
}
