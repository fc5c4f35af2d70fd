/**
 * The PromQL behind the fleet view. The counter is `hud_invocations_total` whichever way the
 * metrics reach Prometheus; the histogram is `hud_invocation_duration_bucket` when
 * `@opentelemetry/exporter-prometheus` serves it and `hud_invocation_duration_milliseconds_bucket`
 * after the OpenTelemetry Collector's Prometheus exporter (which adds the unit), so it is
 * selected by a regular expression on the metric name that matches both.
 */

/** Outcomes that are failures (the slow, `duration`, are not). */
export const FAILING_OUTCOMES: ReadonlySet<string> = new Set(['error', 'status', 'failure']);
/** Prefix of the labels the `hud.context.<key>` attributes become. */
export const CONTEXT_LABEL_PREFIX = 'hud_context_';
export const COUNTER = 'hud_invocations_total';
export const DURATION_BUCKETS = '__name__=~"hud_invocation_duration(_milliseconds)?_bucket"';

/** A PromQL string literal: JSON's escapes are Go's, which PromQL reads. */
function literal(text: string): string {
  return JSON.stringify(text);
}

/** What one reading asks for: one service's series (or every series), over one window. */
export class FleetQueries {
  private readonly matcher: string;
  private readonly range: string;

  constructor(service: string | undefined, windowMs: number) {
    this.matcher = service === undefined ? '' : `service_name=${literal(service)}`;
    this.range = `[${Math.max(1, Math.round(windowMs / 1000))}s]`;
  }

  /** The counter's series of the service, for the label names API. */
  get counterSelector(): string {
    return `${COUNTER}{${this.matcher}}`;
  }

  /** Invocations per name, version and outcome over the window. */
  byVersion(): string {
    return `sum by (hud_name, hud_kind, service_version, hud_outcome) (increase(${this.counterSelector}${this.range}))`;
  }

  /** p99 per name and version, from the histogram's buckets. */
  p99ByVersion(): string {
    const buckets = `{${[DURATION_BUCKETS, this.matcher].filter((m) => m !== '').join(', ')}}`;
    return `histogram_quantile(0.99, sum by (hud_name, service_version, le) (rate(${buckets}${this.range})))`;
  }

  /** Invocations per name, outcome and value of every context label (the suspects' counts). */
  byContext(contextLabels: readonly string[]): string {
    const by = ['hud_name', 'hud_kind', 'hud_outcome', ...contextLabels].join(', ');
    return `sum by (${by}) (increase(${this.counterSelector}${this.range}))`;
  }
}
