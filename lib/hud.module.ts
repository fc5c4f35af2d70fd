import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { BullMqBinding } from './binding/jobs/bullmq.binding.js';
import { CqrsBinding } from './binding/jobs/cqrs.binding.js';
import { ScheduleEventsBinding } from './binding/jobs/schedule-events.binding.js';
import { ErrorObserverFilter } from './binding/http/error-observer.filter.js';
import { HandlerBinding } from './binding/handlers/handler.installer.js';
import { InvocationOwnerBinding } from './binding/handlers/invocation-owner.binding.js';
import { HttpBinding } from './binding/http/http.binding.js';
import { HttpVersionBinding } from './binding/http/http-version.binding.js';
import { RpcBinding } from './binding/rpc/rpc.binding.js';
import { WsBinding } from './binding/ws/ws.binding.js';
import { HudContextService } from './hud-context.service.js';
import { LoggerExporter } from './forensics/exporters/logger.exporter.js';
import { HudForensics } from './forensics/hud-forensics.js';
import { HudAnalysis } from './analysis/hud-analysis.js';
import { HudLifecycle } from './hud.lifecycle.js';
import { HudInspector } from './inspector/hud-inspector.js';
import { InspectorRecordStore } from './inspector/inspector-record.store.js';
import { HUD_MODULE_OPTIONS, HudConfigurableModule } from './hud.module-definition.js';
import { resolveHudOptions } from './hud-options.resolver.js';
import { HudOptions, type HudModuleOptions } from './hud.options.js';
import { HudRuntime } from './hud.runtime.js';
import { OpenTelemetryBridge } from './opentelemetry/opentelemetry.bridge.js';
import { LoggerBreadcrumbsLifecycle } from './logging/logger-breadcrumbs.lifecycle.js';
import { HudMetricsInstaller } from './opentelemetry/hud-metrics.installer.js';
import { HudOpenFeatureInstaller } from './openfeature/open-feature.installer.js';

/**
 * nestjs-hud: per-invocation context and forensics records. Global; import once in the root
 * module with `HudModule.forRoot(options)` or `HudModule.forRootAsync({ useFactory })`.
 *
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: HudOptions, useFactory: (raw: HudModuleOptions) => resolveHudOptions(raw), inject: [HUD_MODULE_OPTIONS] },
    // The inspector's memory of recent records, fed as one more exporter (null when off).
    {
      provide: InspectorRecordStore,
      useFactory: (options: HudOptions) =>
        options.enabled && options.inspector !== undefined ? new InspectorRecordStore(options.inspector.maxRecords) : null,
      inject: [HudOptions],
    },
    {
      provide: HudRuntime,
      useFactory: (options: HudOptions, inspectorStore: InspectorRecordStore | null) =>
        new HudRuntime(options, [...(options.exporters ?? [new LoggerExporter()]), ...(inspectorStore ? [inspectorStore] : [])]),
      inject: [HudOptions, InspectorRecordStore],
    },
    // the runtime's pipeline, for the app to inject
    { provide: HudForensics, useFactory: (runtime: HudRuntime) => runtime.forensics, inject: [HudRuntime] },
    // what every completed invocation teaches (latency, suspects, what changed), for the inspector
    { provide: HudAnalysis, useFactory: (runtime: HudRuntime) => runtime.analysis, inject: [HudRuntime] },
    HudContextService,
    HttpBinding,
    HttpVersionBinding,
    RpcBinding,
    BullMqBinding,
    CqrsBinding,
    ScheduleEventsBinding,
    WsBinding,
    HudLifecycle,
    HandlerBinding,
    InvocationOwnerBinding,
    OpenTelemetryBridge,
    HudMetricsInstaller,
    HudInspector,
    LoggerBreadcrumbsLifecycle,
    HudOpenFeatureInstaller,
    // When disabled, the factory returns null and Nest registers no filter.
    {
      provide: APP_FILTER,
      useFactory: (runtime: HudRuntime) => (runtime.options.enabled ? new ErrorObserverFilter() : null),
      inject: [HudRuntime],
    },
  ],
  exports: [HudContextService, HudForensics],
})
export class HudModule extends HudConfigurableModule {
  /** `HudModule.forRoot()` with no options uses every default. */
  static override forRoot(options: HudModuleOptions = {}): DynamicModule {
    return super.forRoot(options);
  }
}
