// lib/: nestjs-hud, per-invocation context and forensics records of failing invocations; this file holds the public exports only.
export { HudModule } from './hud.module.js';
export type { HudModuleOptions, HudCaptureStatus, HudContextSchema } from './hud.options.js';
export { HudOptions, HudLimits, HudRateLimit, HudInspectorOptions, HudPropagationOptions } from './hud.options.js';
export { HudSuspectsOptions } from './options/hud-suspects.options.js';
export { HudMetricsOptions } from './options/hud-metrics.options.js';
export type {
  HudSuspect,
  HudSuspectReport,
  HudSuspectFilter,
  HudSuspectTrigger,
} from './analysis/suspects/hud-suspect-report.interface.js';
export { setContext, getContext } from './context/set-context.js';
export { addBreadcrumb } from './context/add-breadcrumb.js';
export { setFailure } from './context/set-failure.js';
export type { HudBreadcrumb } from './context/hud-breadcrumb.interface.js';
export { HudBreadcrumbsOptions } from './options/hud-breadcrumbs.options.js';
export type { HudBreadcrumbLevel } from './options/hud-breadcrumbs.options.js';
export { HudSlowBaselineOptions } from './options/hud-slow-baseline.options.js';
export type { HudLatencyReport } from './analysis/latency/hud-latency-report.interface.js';
export { HudChangesOptions } from './options/hud-changes.options.js';
export type { HudChangeReport, HudSpanFigures, HudChangeFilter } from './analysis/changes/hud-change-report.interface.js';
export { HudContextService } from './hud-context.service.js';
export { HudContextValidationError } from './context/context-validation.error.js';
export type { HudContextHandle } from './context/hud-context-handle.interface.js';
export type { HudContextRecord, HudContextShape, HudContextSnapshot, HudContextUpdate } from './context/typed-context.types.js';
export type {
  HudContextValue,
  HudContextInput,
  HudContextProblem,
  HudInvocationKind,
  HudInvocationInfo,
} from './context/context-value.types.js';
export type { ForensicsRecord, ForensicsTrigger } from './forensics/forensics-record.interface.js';
export type { HudForensicsStats, HudExporterStats } from './forensics/forensics.stats.js';
export { HudForensics } from './forensics/hud-forensics.js';
export type { HudExporter } from './forensics/exporters/hud-exporter.interface.js';
export { LoggerExporter } from './forensics/exporters/logger.exporter.js';
export type { LoggerExporterFormat, LoggerExporterOptions, LoggerExporterStacks } from './forensics/exporters/logger.exporter.js';
export { MemoryExporter } from './forensics/exporters/memory.exporter.js';
export { HudContext } from './decorators/hud-context.decorator.js';
export { SetHudContext } from './decorators/set-hud-context.decorator.js';
export { HudSlowThreshold } from './decorators/hud-slow-threshold.decorator.js';
export type { SetHudContextSource } from './binding/handlers/handler-metadata.js';
export { OpenTelemetryExporter, HUD_FORENSICS_EVENT } from './opentelemetry/opentelemetry.exporter.js';
export type { OpenTelemetryExporterOptions } from './opentelemetry/opentelemetry.exporter.js';
export { hudLogFields } from './logging/hud-log-fields.js';
export { hudPinoHooks } from './logging/hud-pino.hooks.js';
export type { HudPinoHooks } from './logging/hud-pino.hooks.js';
export { withHudPropagation } from './propagation/hud-propagation.client.js';
export { HUD_CONTEXT_HEADER } from './propagation/hud-context.codec.js';
export { HudInvocation } from './decorators/hud-invocation.decorator.js';
export { NdjsonFileExporter } from './forensics/exporters/ndjson-file.exporter.js';
export type { NdjsonFileExporterOptions } from './forensics/exporters/ndjson-file.exporter.js';
export { HudOpenFeatureHook } from './openfeature/hud-open-feature.hook.js';
export type { HudFlagHookContext, HudFlagEvaluationDetails } from './openfeature/hud-open-feature.hook.js';
export { HudOpenFeatureOptions } from './options/hud-open-feature.options.js';
export { HudFleetOptions } from './options/hud-fleet.options.js';
export type { HudFleetModuleOptions } from './options/hud-fleet.options.js';
export type { HudInspectorModuleOptions } from './options/hud-inspector.options.js';
export type {
  HudFleetReport,
  HudFleetName,
  HudFleetVersion,
  HudFleetSuspect,
  HudFleetSuspectReport,
} from './fleet/hud-fleet-report.interface.js';
