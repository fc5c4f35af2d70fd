import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { ErrorObserverFilter } from './binding/error-observer.filter.js';
import { HttpBinding } from './binding/http.binding.js';
import { HudInterceptor } from './binding/hud.interceptor.js';
import { HudContextService } from './context/hud-context.service.js';
import { LoggerExporter } from './forensics/exporters/logger.exporter.js';
import { HudForensics } from './forensics/hud-forensics.js';
import { HudLifecycle } from './hud.lifecycle.js';
import { HudInspector } from './inspector/hud-inspector.js';
import { InspectorRecordStore } from './inspector/inspector-record.store.js';
import { HUD_MODULE_OPTIONS, HudConfigurableModule } from './hud.module-definition.js';
import { resolveHudOptions } from './hud-options.resolver.js';
import { HudOptions, type HudModuleOptions } from './hud.options.js';
import { HudRuntime } from './hud.runtime.js';

/**
 * nestjs-hud: per-invocation context and forensics records. Global; import once in the root
 * module with `HudModule.forRoot(options)` or `HudModule.forRootAsync({ useFactory })`.
 *
 * @publicApi
 */
@Module({
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
      provide: HudForensics,
      useFactory: (options: HudOptions, inspectorStore: InspectorRecordStore | null) =>
        new HudForensics(options, [...(options.exporters ?? [new LoggerExporter()]), ...(inspectorStore ? [inspectorStore] : [])]),
      inject: [HudOptions, InspectorRecordStore],
    },
    {
      provide: HudRuntime,
      useFactory: (options: HudOptions, forensics: HudForensics) => new HudRuntime(options, forensics),
      inject: [HudOptions, HudForensics],
    },
    HudContextService,
    HttpBinding,
    HudLifecycle,
    HudInspector,
    // When disabled, the factories return null and Nest registers no interceptor or filter.
    {
      provide: APP_INTERCEPTOR,
      useFactory: (runtime: HudRuntime) => (runtime.options.enabled ? new HudInterceptor(runtime) : null),
      inject: [HudRuntime],
    },
    {
      provide: APP_FILTER,
      useFactory: (runtime: HudRuntime) => (runtime.options.enabled ? new ErrorObserverFilter() : null),
      inject: [HudRuntime],
    },
  ],
  exports: [HudContextService, HudForensics],
})
export class HudModule extends HudConfigurableModule {}
