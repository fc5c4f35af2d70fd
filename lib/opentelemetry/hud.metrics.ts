import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import type { HudContextValue } from '../context/context-value.types.js';
import type { Invocation } from '../context/invocation.js';
import type { InvocationObserver } from '../analysis/invocation.analysis.js';
import type { ForensicsTrigger } from '../forensics/forensics-record.interface.js';
import type { OpenTelemetryApi } from './opentelemetry-api.loader.js';
import { SPAN_ATTRIBUTE_PREFIX } from './opentelemetry.bridge.js';
import { MetricValueCap } from './metric-value.cap.js';

export { MAX_METRIC_VALUE_LENGTH, MAX_METRIC_VALUES_PER_KEY } from './metric-value.cap.js';

/** What the metrics carry besides each invocation's own name, kind and outcome. */
export interface HudMetricsPlan {
  /** Context keys on the counter. */
  keys: readonly string[];
  /** Context keys on the histogram too (a subset of `keys`). */
  histogramKeys: readonly string[];
  /** Per key, the only values that keep their own label. */
  values: Readonly<Record<string, readonly string[]>>;
  /** `service.name` and `service.version` on every point, when set. */
  service: string | undefined;
  version: string | undefined;
  isRedacted: (key: string) => boolean;
  /** Told once per key whose kept values froze (see `MetricValueCap`). */
  onFrozen?: (key: string) => void;
}

/** One context key as the instruments see it: its attribute name and its value cap. */
interface MetricKey {
  key: string;
  attribute: string;
  cap: MetricValueCap;
}

/**
 * The fleet-wide view: every completed invocation adds 1 to the counter `hud.invocations`
 * and its duration to the histogram `hud.invocation.duration` (ms), with attributes
 * `hud.name`, `hud.kind`, `hud.outcome` (`ok`, `error`, `status`, `failure`, `duration`),
 * `service.name` and `service.version` (when the options set them) and `hud.context.<key>`:
 * every listed key on the counter, only `histogramKeys` on the histogram, whose buckets would
 * otherwise multiply every context series by 18. The app's own OpenTelemetry SDK exports them.
 * An array value is its items joined with `,`; which values keep their own label is decided
 * by `MetricValueCap`, the same way on every instance.
 */
export class HudMetrics implements InvocationObserver {
  private readonly counter: Counter;
  private readonly histogram: Histogram;
  private readonly counterKeys: readonly MetricKey[];
  private readonly histogramKeys: readonly MetricKey[];
  private readonly service: string | undefined;
  private readonly version: string | undefined;

  constructor(api: OpenTelemetryApi, plan: HudMetricsPlan) {
    const meter = api.metrics.getMeter('nestjs-hud');
    this.counter = meter.createCounter('hud.invocations', { description: 'Completed invocations, by name, kind, outcome and context' });
    this.histogram = meter.createHistogram('hud.invocation.duration', { description: 'Duration of completed invocations', unit: 'ms' });
    const byKey = new Map<string, MetricKey>();
    const metricKey = (key: string): MetricKey => {
      let known = byKey.get(key);
      if (known === undefined) {
        const allowed = plan.values[key];
        const cap = new MetricValueCap(allowed === undefined ? undefined : new Set(allowed), () => plan.onFrozen?.(key));
        known = { key, attribute: SPAN_ATTRIBUTE_PREFIX + key, cap };
        byKey.set(key, known);
      }
      return known;
    };
    const usable = (keys: readonly string[]) => [...new Set(keys)].filter((key) => !plan.isRedacted(key)).map(metricKey);
    this.counterKeys = usable(plan.keys);
    this.histogramKeys = usable(plan.histogramKeys);
    this.service = plan.service;
    this.version = plan.version;
  }

  observe(invocation: Invocation, trigger: ForensicsTrigger | undefined): void {
    const attributes: Attributes = {
      'hud.name': invocation.name,
      'hud.kind': invocation.kind,
      'hud.outcome': trigger ?? 'ok',
    };
    if (this.service !== undefined) attributes['service.name'] = this.service;
    if (this.version !== undefined) attributes['service.version'] = this.version;
    const values = invocation.values;
    // The SDK keeps the object of a new series as its key: each instrument gets its own, and
    // neither is changed after it was handed over.
    this.histogram.record(invocation.durationMs, withContext(attributes, this.histogramKeys, values));
    this.counter.add(1, withContext(attributes, this.counterKeys, values));
  }
}

/** `attributes` itself when there are no keys, else a copy with each key's label. */
function withContext(attributes: Attributes, keys: readonly MetricKey[], values: Readonly<Record<string, HudContextValue>>): Attributes {
  if (keys.length === 0) return attributes;
  const copy: Attributes = { ...attributes };
  for (let i = 0; i < keys.length; i++) {
    const { key, attribute, cap } = keys[i];
    const value = values[key];
    if (value !== undefined) copy[attribute] = cap.label(Array.isArray(value) ? value.join(',') : String(value));
  }
  return copy;
}
