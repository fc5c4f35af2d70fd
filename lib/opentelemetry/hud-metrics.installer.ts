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
    const redactor = this.runtime.redactor;
    this.runtime.analysis.addObserver(new HudMetrics(api, options.metrics.keys, (key) => redactor.shouldRedact(key)));
  }
}
