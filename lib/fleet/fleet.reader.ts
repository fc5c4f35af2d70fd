import type { HudFleetOptions } from '../options/hud-fleet.options.js';
import type { HudFleetName, HudFleetReport, HudFleetVersion } from './hud-fleet-report.interface.js';
import { CONTEXT_LABEL_PREFIX, FAILING_OUTCOMES, FleetQueries } from './fleet.queries.js';
import { scoreFleet, type FleetNameCounts, type ValueCounts } from './fleet-suspects.scorer.js';
import { PrometheusClient, type PrometheusSample } from './prometheus.client.js';
import { OTHER_VALUE } from '../opentelemetry/metric-value.cap.js';

/** What a reading covers, from the module's other options. */
export interface FleetScope {
  /** Only this service's series (`service_name`), when set. */
  service: string | undefined;
  windowMs: number;
  /** `metrics.keys`, to show a label (`hud_context_user_tier`) by its key's own spelling. */
  keys: readonly string[];
  minFailures: number;
}

/** The Prometheus label a context key becomes: every character outside `[a-zA-Z0-9_]` is `_`. */
function labelOf(key: string): string {
  return CONTEXT_LABEL_PREFIX + key.replace(/[^a-zA-Z0-9_]/g, '_');
}

/**
 * Reads the fleet's figures from Prometheus for the inspector: each name's invocations,
 * failure ratio and p99 per version, and the fleet's suspects. A reading never throws and
 * ends within `timeoutMs`: when Prometheus cannot answer in time, the report says why.
 */
export class FleetReader {
  private readonly client: PrometheusClient;
  private readonly queries: FleetQueries;
  private readonly keyOfLabel: Map<string, string>;

  constructor(
    private readonly options: HudFleetOptions,
    private readonly scope: FleetScope,
  ) {
    this.client = new PrometheusClient(options.prometheusUrl);
    this.queries = new FleetQueries(scope.service, scope.windowMs);
    this.keyOfLabel = new Map(scope.keys.map((key) => [labelOf(key), key]));
  }

  async read(now = Date.now()): Promise<HudFleetReport> {
    const report: HudFleetReport = {
      ...(this.scope.service !== undefined ? { service: this.scope.service } : {}),
      windowMs: this.scope.windowMs,
      readAt: new Date(now).toISOString(),
      names: [],
      suspects: [],
    };
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const time = now / 1000;
    try {
      const [volume, p99, labels] = await Promise.all([
        this.client.query(this.queries.byVersion(), time, signal),
        this.client.query(this.queries.p99ByVersion(), time, signal),
        this.client.labelNames(this.queries.counterSelector, time - this.scope.windowMs / 1000, time, signal),
      ]);
      const contextLabels = labels.filter((label) => label.startsWith(CONTEXT_LABEL_PREFIX)).sort();
      const context = await this.client.query(this.queries.byContext(contextLabels), time, signal);
      report.names = namesOf(volume, p99);
      report.suspects = scoreFleet(this.countsOf(context, contextLabels), this.scope.minFailures);
    } catch (error) {
      report.error = this.client.describe(error, this.options.timeoutMs);
    }
    return report;
  }

  /** Per name, its totals and each context value's, from the per-combination counts. */
  private countsOf(samples: readonly PrometheusSample[], contextLabels: readonly string[]): FleetNameCounts[] {
    const names = new Map<string, FleetNameCounts & { byValue: Map<string, ValueCounts> }>();
    for (const { labels, value } of samples) {
      const count = Math.round(value);
      if (!(count > 0)) continue;
      const failing = FAILING_OUTCOMES.has(labels.hud_outcome ?? '') ? count : 0;
      let name = names.get(labels.hud_name ?? '');
      if (name === undefined) {
        name = { name: labels.hud_name ?? '', kind: labels.hud_kind, invocations: 0, failures: 0, values: [], byValue: new Map() };
        names.set(name.name, name);
      }
      name.invocations += count;
      name.failures += failing;
      for (const label of contextLabels) {
        const text = labels[label];
        if (text === undefined || text === '' || text === OTHER_VALUE) continue;
        const id = `${label}\u0000${text}`;
        let counts = name.byValue.get(id);
        if (counts === undefined) {
          counts = { key: this.keyOfLabel.get(label) ?? label.slice(CONTEXT_LABEL_PREFIX.length), value: text, invocations: 0, failures: 0 };
          name.byValue.set(id, counts);
        }
        counts.invocations += count;
        counts.failures += failing;
      }
    }
    return [...names.values()].map(({ byValue, ...name }) => ({ ...name, values: [...byValue.values()] }));
  }
}

/** Each name's figures per version, most invocations first. */
function namesOf(volume: readonly PrometheusSample[], p99: readonly PrometheusSample[]): HudFleetName[] {
  const names = new Map<string, HudFleetName>();
  const versionOf = (name: HudFleetName, version: string | undefined): HudFleetVersion => {
    let entry = name.versions.find((v) => v.version === version);
    if (entry === undefined) {
      entry = { ...(version !== undefined ? { version } : {}), invocations: 0, failures: 0, failureRatio: 0 };
      name.versions.push(entry);
    }
    return entry;
  };
  for (const { labels, value } of volume) {
    const count = Math.round(value);
    if (!(count > 0)) continue;
    const key = labels.hud_name ?? '';
    let name = names.get(key);
    if (name === undefined) {
      name = { name: key, kind: labels.hud_kind, invocations: 0, failures: 0, failureRatio: 0, versions: [] };
      names.set(key, name);
    }
    const version = versionOf(name, labels.service_version || undefined);
    const failing = FAILING_OUTCOMES.has(labels.hud_outcome ?? '') ? count : 0;
    name.invocations += count;
    name.failures += failing;
    version.invocations += count;
    version.failures += failing;
  }
  for (const { labels, value } of p99) {
    const name = names.get(labels.hud_name ?? '');
    if (name === undefined || !Number.isFinite(value)) continue;
    const version = name.versions.find((v) => v.version === (labels.service_version || undefined));
    if (version !== undefined) version.p99Ms = value;
  }
  for (const name of names.values()) {
    name.failureRatio = name.failures / name.invocations;
    for (const version of name.versions) version.failureRatio = version.failures / version.invocations;
    name.versions.sort((a, b) => b.invocations - a.invocations || (a.version ?? '').localeCompare(b.version ?? ''));
  }
  return [...names.values()].sort((a, b) => b.invocations - a.invocations || a.name.localeCompare(b.name));
}
