import { Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { BullMqBinding } from './binding/bullmq.binding.js';
import { WsBinding } from './binding/ws.binding.js';
import { ErrorObserverFilter } from './binding/error-observer.filter.js';
import { HttpBinding } from './binding/http.binding.js';
import { HandlerBinding } from './binding/handler.installer.js';
import { RpcBinding } from './binding/rpc.binding.js';
import { HudContextService } from './context/hud-context.service.js';
import { LoggerExporter } from './forensics/exporters/logger.exporter.js';
import { HudForensics } from './forensics/hud-forensics.js';
import { HudLifecycle } from './hud.lifecycle.js';
import { HUD_MODULE_OPTIONS, HudConfigurableModule } from './hud.module-definition.js';
import { resolveHudOptions } from './hud-options.resolver.js';
import { HudOptions, type HudModuleOptions } from './hud.options.js';
import { HudRuntime } from './hud.runtime.js';
import { OpenTelemetryBridge } from './opentelemetry/opentelemetry.bridge.js';

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
    {
      provide: HudForensics,
      useFactory: (options: HudOptions) => new HudForensics(options, options.exporters ?? [new LoggerExporter()]),
      inject: [HudOptions],
    },
    {
      provide: HudRuntime,
      useFactory: (options: HudOptions, forensics: HudForensics) => new HudRuntime(options, forensics),
      inject: [HudOptions, HudForensics],
    },
    HudContextService,
    HttpBinding,
    RpcBinding,
    BullMqBinding,
    WsBinding,
    HudLifecycle,
    // When disabled, the factory returns null and Nest registers no filter.
    HandlerBinding,
    OpenTelemetryBridge,
    {
      provide: APP_FILTER,
      useFactory: (runtime: HudRuntime) => (runtime.options.enabled ? new ErrorObserverFilter() : null),
      inject: [HudRuntime],
    },
  ],
  exports: [HudContextService, HudForensics],
})
export class HudModule extends HudConfigurableModule {}
