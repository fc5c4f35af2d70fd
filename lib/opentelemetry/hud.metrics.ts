import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import type { HudContextValue } from '../context/context-value.types.js';
import type { Invocation } from '../context/invocation.js';
import type { InvocationObserver } from '../analysis/invocation.analysis.js';
import type { ForensicsTrigger } from '../forensics/forensics-record.interface.js';
import type { OpenTelemetryApi } from './opentelemetry-api.loader.js';
import { SPAN_ATTRIBUTE_PREFIX } from './opentelemetry.bridge.js';

/** Bounds that keep each key's attribute to a known number of series. */
export const MAX_METRIC_VALUE_LENGTH = 64;
export const MAX_METRIC_VALUES_PER_KEY = 50;
const OTHER = '(other)';

/**
 * The fleet-wide view: every completed invocation adds 1 to the counter `hud.invocations`
 * and its duration to the histogram `hud.invocation.duration` (ms), with attributes
 * `hud.name`, `hud.kind`, `hud.outcome` (`ok`, `error`, `status`, `failure`, `duration`) and
 * `hud.context.<key>` for the allow-listed keys. The app's own OpenTelemetry SDK exports them,
 * so its backend can break failures down by tier or feature across every instance.
 * Cardinality is bounded per key: a value over 64 characters, or a value first seen after 50
 * others of its key, is `'(other)'`; an array value is its items joined with `,`.
 */
export class HudMetrics implements InvocationObserver {
  private readonly counter: Counter;
  private readonly histogram: Histogram;
  private readonly keys: readonly string[];
  private readonly attributeNames: readonly string[];
  private readonly seen: Array<Set<string>>;

  constructor(api: OpenTelemetryApi, keys: readonly string[], isRedacted: (key: string) => boolean) {
    const meter = api.metrics.getMeter('nestjs-hud');
    this.counter = meter.createCounter('hud.invocations', { description: 'Completed invocations, by name, kind, outcome and context' });
    this.histogram = meter.createHistogram('hud.invocation.duration', { description: 'Duration of completed invocations', unit: 'ms' });
    this.keys = [...new Set(keys)].filter((key) => !isRedacted(key));
    this.attributeNames = this.keys.map((key) => SPAN_ATTRIBUTE_PREFIX + key);
    this.seen = this.keys.map(() => new Set<string>());
  }

  observe(invocation: Invocation, trigger: ForensicsTrigger | undefined): void {
    const attributes: Attributes = {
      'hud.name': invocation.name,
      'hud.kind': invocation.kind,
      'hud.outcome': trigger ?? 'ok',
    };
    for (let i = 0; i < this.keys.length; i++) {
      const value = invocation.values[this.keys[i]];
      if (value !== undefined) attributes[this.attributeNames[i]] = this.bounded(i, value);
    }
    this.counter.add(1, attributes);
    this.histogram.record(invocation.durationMs, attributes);
  }

  private bounded(key: number, value: HudContextValue): string {
    const text = Array.isArray(value) ? value.join(',') : String(value);
    if (text.length > MAX_METRIC_VALUE_LENGTH) return OTHER;
    const seen = this.seen[key];
    if (seen.has(text)) return text;
    if (seen.size >= MAX_METRIC_VALUES_PER_KEY) return OTHER;
    seen.add(text);
    return text;
  }
}
