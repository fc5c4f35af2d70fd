import { Logger } from '@nestjs/common';
import type { Attributes, Span, SpanContext, Tracer } from '@opentelemetry/api';
import { loadOpenTelemetryApi, type OpenTelemetryApi } from './opentelemetry-api.loader.js';
import { spanOf } from './span.registry.js';
import { HudNotes } from '../hud.notes.js';
import type { ForensicsRecord } from '../forensics/forensics-record.interface.js';
import type { HudExporter } from '../forensics/exporters/hud-exporter.interface.js';

/** Name of the span event, and prefix of the span name, that carry a record. */
export const HUD_FORENSICS_EVENT = 'hud.forensics';

/** @publicApi */
export interface OpenTelemetryExporterOptions {
  /** Name of the tracer that starts the follow-up spans. Default: `'nestjs-hud'`. */
  tracerName?: string;
}

/** The record as flat span attributes: `hud.*` fields, `hud.context.<key>`, and `hud.record` (the JSON). */
function recordAttributes(record: ForensicsRecord): Attributes {
  const attributes: Attributes = {
    'hud.record.id': record.id,
    'hud.trigger': record.trigger,
    'hud.invocation.kind': record.invocation.kind,
    'hud.invocation.name': record.invocation.name,
    'hud.duration_ms': record.durationMs,
  };
  if (record.service !== undefined) attributes['hud.service'] = record.service;
  if (record.invocation.http !== undefined) attributes['hud.http.status_code'] = record.invocation.http.statusCode;
  if (record.error !== undefined) {
    attributes['hud.error.name'] = record.error.name;
    attributes['hud.error.message'] = record.error.message;
    if (record.error.stack !== undefined) attributes['hud.error.stack'] = record.error.stack;
    if (record.error.status !== undefined) attributes['hud.error.status'] = record.error.status;
  }
  for (const [key, value] of Object.entries(record.context ?? {})) attributes[`hud.context.${key}`] = value;
  if (record.dropped !== undefined) attributes['hud.dropped'] = JSON.stringify(record.dropped);
  if (record.droppedCount !== undefined) attributes['hud.dropped_count'] = record.droppedCount;
  attributes['hud.record'] = JSON.stringify(record);
  return attributes;
}

/**
 * Sends records to OpenTelemetry. A record whose failing span is still recording becomes a
 * `hud.forensics` event on that span. Once the span has ended (the usual case for HTTP: the
 * server span ends with the response, records are exported just after), the record becomes
 * a new span `hud.forensics <invocation name>` in the same trace, a child of the failing
 * span and linked to it, carrying the same attributes and event. A record made with no
 * active span becomes a span of its own.
 *
 * Requires the optional peer `@opentelemetry/api` and an SDK the app registered; without
 * the package it logs once and exports nothing.
 *
 * @example
 * HudModule.forRoot({ exporters: [new LoggerExporter(), new OpenTelemetryExporter()] });
 * @publicApi
 */
export class OpenTelemetryExporter implements HudExporter {
  private readonly notes = new HudNotes(new Logger('HudForensics'));

  constructor(private readonly options: OpenTelemetryExporterOptions = {}) {}

  async export(records: readonly ForensicsRecord[]): Promise<void> {
    const api = await loadOpenTelemetryApi();
    if (api === undefined) {
      this.notes.warn('api', 'OpenTelemetryExporter: @opentelemetry/api is not installed; records are not sent to OpenTelemetry');
      return;
    }
    const tracer = api.trace.getTracer(this.options.tracerName ?? 'nestjs-hud');
    for (const record of records) this.exportOne(api, tracer, record);
  }

  private exportOne(api: OpenTelemetryApi, tracer: Tracer, record: ForensicsRecord): void {
    const attributes = recordAttributes(record);
    const detectedAt = new Date(record.detectedAt);
    const failingSpan: Span | undefined = spanOf(record.trace);
    if (failingSpan !== undefined && failingSpan.isRecording()) {
      failingSpan.addEvent(HUD_FORENSICS_EVENT, attributes, detectedAt);
      return;
    }
    const failing = failingSpan?.spanContext() ?? spanContextOf(api, record.trace);
    const span = tracer.startSpan(
      `${HUD_FORENSICS_EVENT} ${record.invocation.name}`,
      {
        kind: api.SpanKind.INTERNAL,
        startTime: detectedAt,
        attributes,
        links: failing === undefined ? [] : [{ context: failing, attributes: { 'hud.link': 'failing span' } }],
        root: failing === undefined,
      },
      failing === undefined ? api.ROOT_CONTEXT : api.trace.setSpanContext(api.ROOT_CONTEXT, failing),
    );
    span.addEvent(HUD_FORENSICS_EVENT, attributes, detectedAt);
    if (record.trigger !== 'duration') {
      span.setStatus({
        code: api.SpanStatusCode.ERROR,
        message: record.error?.message ?? `status ${record.invocation.http?.statusCode ?? ''}`.trim(),
      });
    }
    span.end(detectedAt);
  }
}

/** The failing span's context rebuilt from the record, when the span object is gone. */
function spanContextOf(api: OpenTelemetryApi, trace: ForensicsRecord['trace']): SpanContext | undefined {
  if (trace === undefined) return undefined;
  const context: SpanContext = { traceId: trace.traceId, spanId: trace.spanId, traceFlags: api.TraceFlags.SAMPLED };
  return api.isSpanContextValid(context) ? context : undefined;
}
