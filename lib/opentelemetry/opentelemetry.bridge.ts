// opentelemetry/: the optional OpenTelemetry integration, loaded lazily: span bridge, exporter, metrics.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Attributes, Span } from '@opentelemetry/api';
import type { HudContextValue } from '../context/context-value.types.js';
import type { Invocation } from '../context/invocation.js';
import { REDACTED } from '../forensics/redactor.js';
import { HudRuntime } from '../hud.runtime.js';
import { loadOpenTelemetryApi } from './opentelemetry-api.loader.js';
import { rememberSpan, spanOf } from './span.registry.js';

/** Prefix of the span attributes `set` writes. */
export const SPAN_ATTRIBUTE_PREFIX = 'hud.context.';

/**
 * Connects invocations to OpenTelemetry when the app has `@opentelemetry/api`:
 * - each invocation notes the span active when it starts (or, if none was, at its first
 *   `set` under one), so its record carries `trace: { traceId, spanId }`;
 * - every accepted `set` is mirrored as `hud.context.<key>` attributes onto the active span
 *   and onto the invocation's own span, with the values as validated and redacted.
 * Without the package nothing is installed: invocations start with one extra check.
 */
@Injectable()
export class OpenTelemetryBridge implements OnModuleInit {
  constructor(private readonly runtime: HudRuntime) {}

  async onModuleInit(): Promise<void> {
    if (!this.runtime.options.enabled) return;
    const api = await loadOpenTelemetryApi();
    if (api === undefined) return;
    const redactor = this.runtime.redactor;

    const noteSpan = (invocation: Invocation, span: Span | undefined): void => {
      if (span === undefined) return;
      const spanContext = span.spanContext();
      if (!api.isSpanContextValid(spanContext)) return;
      const trace = { traceId: spanContext.traceId, spanId: spanContext.spanId };
      rememberSpan(trace, span);
      invocation.trace = trace;
    };

    this.runtime.setInvocationStartListener((invocation) => noteSpan(invocation, api.trace.getActiveSpan()));

    this.runtime.addContextSetListener((invocation, keys, values) => {
      if (keys.length === 0) return;
      const active = api.trace.getActiveSpan();
      if (invocation.trace === undefined) noteSpan(invocation, active);
      const own = spanOf(invocation.trace);
      if (!isRecording(active) && !isRecording(own)) return;
      const attributes: Attributes = {};
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        attributes[SPAN_ATTRIBUTE_PREFIX + key] = redactor.shouldRedact(key) ? REDACTED : attributeValue(values[i]);
      }
      if (isRecording(active)) active.setAttributes(attributes);
      if (own !== active && isRecording(own)) own.setAttributes(attributes);
    });
  }
}

function isRecording(span: Span | undefined): span is Span {
  return span !== undefined && span.isRecording();
}

/** Stored arrays are the invocation's own; the span gets a copy. */
function attributeValue(value: HudContextValue): HudContextValue {
  return Array.isArray(value) ? (value.slice() as HudContextValue) : value;
}
