import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HudRuntime } from '../hud.runtime.js';
import { loadOpenTelemetryApi } from './opentelemetry-api.loader.js';
import { HudMetrics } from './hud.metrics.js';

/**
 * Installs the OpenTelemetry metrics when `metrics` is given and the app has
 * `@opentelemetry/api`; otherwise nothing (one warning when the package is missing).
 */
@Injectable()
export class HudMetricsInstaller implements OnModuleInit {
  constructor(private readonly runtime: HudRuntime) {}

  async onModuleInit(): Promise<void> {
    const { options } = this.runtime;
    if (!options.enabled || options.metrics === undefined) return;
    const api = await loadOpenTelemetryApi();
    if (api === undefined) {
      this.runtime.notes.warn('metrics-api', 'metrics: @opentelemetry/api is not installed, so no metrics are recorded');
      return;
    }
    const { redactor, notes } = this.runtime;
    const { keys, histogramKeys, values } = options.metrics;
    const metrics = new HudMetrics(api, {
      keys,
      histogramKeys,
      values,
      service: options.service,
      version: options.version,
      isRedacted: (key) => redactor.shouldRedact(key),
      onFrozen: (key) =>
        notes.warn(
          `metrics-frozen:${key}`,
          `metrics: context key "${key}" has had too many distinct values, so which values keep their own label is now fixed for this process; list the ones that matter in metrics.values`,
        ),
    });
    this.runtime.analysis.addObserver(metrics);
  }
}
