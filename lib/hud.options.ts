import { IsBoolean, IsInt, IsOptional, IsString, Min, MinLength, ValidateBy, ValidateIf, ValidateNested } from 'class-validator';
import type { ForensicsRecord } from './forensics/forensics-record.interface.js';
import type { HudExporter } from './forensics/exporters/hud-exporter.interface.js';
import { HudBreadcrumbsOptions } from './options/hud-breadcrumbs.options.js';
import { HudChangesOptions } from './options/hud-changes.options.js';
import { HudInspectorOptions, type HudInspectorModuleOptions } from './options/hud-inspector.options.js';
import { HudLimits } from './options/hud-limits.options.js';
import { HudMetricsOptions } from './options/hud-metrics.options.js';
import { IsOptionObjectOrFalse, isNumberOrFalse, isFunctionOrStatusList, isExporterList, isRedactList, isHeaderMap, isFunctionOption } from './options/hud-option.rules.js';
import { HudPropagationOptions } from './options/hud-propagation.options.js';
import { HudRateLimit } from './options/hud-rate-limit.options.js';
import { HudSlowBaselineOptions } from './options/hud-slow-baseline.options.js';
import { HudSuspectsOptions } from './options/hud-suspects.options.js';
import { HudOpenFeatureOptions } from './options/hud-open-feature.options.js';
import { isMetadataMap, isUserPathMap } from './options/hud-context-sources.options.js';

// The option classes of each feature, with `HudOptions`, are what the module is configured with.
export { HudInspectorOptions, HudLimits, HudPropagationOptions, HudRateLimit };

/** A class whose properties carry class-validator decorators. */
export type HudContextSchema = new (...args: never[]) => object;

/** Which HTTP statuses count as failure: a predicate, or a list of statuses. */
export type HudCaptureStatus = ((status: number) => boolean) | readonly number[];

/**
 * The validated options with their defaults, as the module uses them. Every field's
 * JSDoc says its default; `HudModuleOptions` is what users pass.
 */
export class HudOptions {
  /** When false every API is a cheap no-op: no hook, no interceptor, no record. Default: `true`. */
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled = true;

  /** Service name put into every record. Default: none. */
  @IsOptional()
  @IsString({ message: 'service must be a string' })
  service?: string;

  /**
   * Version of the service, put into every record (`version`) and on every metric
   * (`service.version`), so that old and new instances can be told apart during a deploy.
   * Default: `service.version` from `OTEL_RESOURCE_ATTRIBUTES` when it is set there, else none.
   */
  @IsOptional()
  @IsString({ message: 'version must be a non-empty string, e.g. process.env.APP_VERSION' })
  @MinLength(1, { message: 'version must be a non-empty string, e.g. process.env.APP_VERSION' })
  version?: string;

  /**
   * Context keys set from request headers at the start of each HTTP invocation, e.g.
   * `{ client_id: 'x-client-id' }`. Absent headers are skipped. Default: none.
   */
  @IsOptional()
  @isHeaderMap({ message: "fromHeaders must map context keys to header names, e.g. { client_id: 'x-client-id' }" })
  fromHeaders?: Record<string, string>;

  /** An invocation slower than this is recorded with trigger `duration`; `false` turns it off. Default: `1000`. */
  @isNumberOrFalse(0, { message: 'slowThresholdMs must be a number >= 0 or false' })
  slowThresholdMs: number | false = 1000;

  /** Which HTTP statuses count as failure. Default: `status >= 500`. */
  @isFunctionOrStatusList({
    message: 'captureStatus must be a function (status) => boolean or an array of HTTP statuses (100-599)',
  })
  captureStatus: HudCaptureStatus = (status: number) => status >= 500;

  /** Where records go. Default: one `LoggerExporter`. */
  @IsOptional()
  @isExporterList({ message: 'exporters must be an array of objects with an export(records) method' })
  exporters?: HudExporter[];

  /** Bounds on keys and values. */
  @ValidateNested()
  limits: HudLimits = new HudLimits();

  /** Throw `HudContextValidationError` on invalid context instead of dropping it with a warning. Default: `false`. */
  @IsBoolean({ message: 'strict must be true or false' })
  strict = false;

  /**
   * Keys recorded as `'[REDACTED]'`. Names match case-insensitively ignoring `-` and `_`;
   * a RegExp is tested against the key as given. Default: none.
   */
  @isRedactList({ message: 'redact must be an array of key names (non-empty strings) or RegExps' })
  redact: Array<string | RegExp> = [];

  /** Last chance to change a record, or drop it by returning `null`. Default: none. */
  @IsOptional()
  @isFunctionOption({ message: 'beforeRecord must be a function (record) => record | null' })
  beforeRecord?: (record: ForensicsRecord) => ForensicsRecord | null;

  /** Records per invocation name above this are counted, not built; `false` turns it off. */
  @ValidateIf((options: HudOptions) => options.rateLimit !== false)
  @ValidateBy(
    { name: 'isRateLimit', validator: { validate: (v) => v instanceof HudRateLimit } },
    { message: 'rateLimit must be { perSecond, burst } or false' },
  )
  @ValidateNested()
  rateLimit: HudRateLimit | false = new HudRateLimit();

  /** A class with class-validator decorators each `set` is also checked against. Default: none. */
  @IsOptional()
  @isFunctionOption({ message: 'contextSchema must be a class decorated with class-validator decorators' })
  contextSchema?: HudContextSchema;

  /**
   * Records waiting for each exporter at most (its batch in progress included); when full, the
   * oldest are dropped and counted in `droppedByQueue`. Default: `1000`.
   */
  @IsInt({ message: 'maxQueueSize must be an integer >= 1' })
  @Min(1, { message: 'maxQueueSize must be an integer >= 1' })
  maxQueueSize = 1000;

  /** Time an exporter has for one call (a batch, `forceFlush`, `shutdown`) before it is counted as timed out. Default: `5000`. */
  @IsInt({ message: 'exportTimeoutMs must be an integer >= 1' })
  @Min(1, { message: 'exportTimeoutMs must be an integer >= 1' })
  exportTimeoutMs = 5000;

  /**
   * The most the exporters add to `app.close()` (counted from its start), however they behave; when Nest's own
   * closing (requests still running, keep-alive clients) ends later, they still get a final quarter of it. Default: `5000`.
   */
  @IsInt({ message: 'shutdownTimeoutMs must be an integer >= 1' })
  @Min(1, { message: 'shutdownTimeoutMs must be an integer >= 1' })
  shutdownTimeoutMs = 5000;

  /** The inspector page. Default: off. */
  @IsOptional()
  @ValidateNested()
  inspector?: HudInspectorOptions;

  /** Propagation of allow-listed keys across services. Default: off. */
  @IsOptional()
  @ValidateNested()
  propagation?: HudPropagationOptions;

  /**
   * Counting of every invocation's context values, for `HudForensics.suspects()`; `false`
   * turns it off. Default: `{ maxKeys: 16, maxValuesPerKey: 20, maxNames: 200, windowMs: 900_000, minFailures: 5, minRelativeRisk: 1.5 }`.
   */
  @ValidateIf((options: HudOptions) => options.suspects !== false)
  @ValidateBy(
    { name: 'isSuspects', validator: { validate: (v) => v instanceof HudSuspectsOptions } },
    { message: 'suspects must be { keys?, maxKeys, maxValuesPerKey, maxNames, windowMs, minFailures, minRelativeRisk } or false' },
  )
  @ValidateNested()
  suspects: HudSuspectsOptions | false = new HudSuspectsOptions();

  /** OpenTelemetry counter `hud.invocations` and histogram `hud.invocation.duration`. Default: off. */
  @IsOptional()
  @ValidateNested()
  metrics?: HudMetricsOptions;

  /** What each invocation did, attached to its record; `false` turns it off. Default: on (see `HudBreadcrumbsOptions`). */
  @IsOptionObjectOrFalse(HudBreadcrumbsOptions, 'breadcrumbs must be { maxEntries, maxMessageLength, logger, levels } or false')
  breadcrumbs: HudBreadcrumbsOptions | false = new HudBreadcrumbsOptions();

  /** Each invocation name's own latency baseline; `false` turns it off. Default: on (see `HudSlowBaselineOptions`). */
  @IsOptionObjectOrFalse(HudSlowBaselineOptions, 'slowBaseline must be { quantile, factor, minSamples, floorMs, windowMs } or false')
  slowBaseline: HudSlowBaselineOptions | false = new HudSlowBaselineOptions();

  /**
   * Each flag OpenFeature evaluates during an invocation, set into its context as
   * `flag.<flagKey>` (needs `@openfeature/server-sdk`). `true` for the defaults. Default: off.
   */
  @IsOptional()
  @ValidateBy(
    { name: 'isOpenFeature', validator: { validate: (v) => v instanceof HudOpenFeatureOptions } },
    { message: 'openFeature must be true, false or { maxFlags }' },
  )
  @ValidateNested()
  openFeature?: HudOpenFeatureOptions;

  /**
   * Context keys set from the signed-in user once the guards have run: context key → dot
   * path of `req.user` (the WebSocket client's or the GraphQL context's `user`), e.g.
   * `{ client_id: 'tenant.id', user_tier: 'plan' }`. Nothing else of the user is read. Default: none.
   */
  @IsOptional()
  @isUserPathMap({ message: "fromUser must map context keys to dot paths of the signed-in user, e.g. { client_id: 'tenant.id', user_tier: 'plan' }" })
  fromUser?: Record<string, string>;

  /**
   * Context keys set from the headers of each microservice message (gRPC metadata, NATS,
   * RabbitMQ, Kafka and MQTT 5 headers), e.g. `{ client_id: 'x-client-id' }`. Default: none.
   */
  @IsOptional()
  @isMetadataMap({ message: "fromMetadata must map context keys to header names, e.g. { client_id: 'x-client-id' }" })
  fromMetadata?: Record<string, string>;

  /**
   * What changed: each name's last `recentMs` compared with the rest of the suspects window,
   * for `HudForensics.changes()`; `false` turns it off. Default: on (see `HudChangesOptions`).
   */
  @IsOptionObjectOrFalse(HudChangesOptions, 'changes must be { recentMs, minRatio, minFailures } or false')
  changes: HudChangesOptions | false = new HudChangesOptions();
}

/**
 * Options of `HudModule.forRoot()` / `forRootAsync()`: every field optional. Validated at
 * boot: a bad option fails start-up with a message naming it and what it accepts.
 * Defaults and meaning of each field: see `HudOptions`.
 *
 * @publicApi
 */
export interface HudModuleOptions {
  enabled?: boolean;
  service?: string;
  version?: string;
  fromHeaders?: Record<string, string>;
  slowThresholdMs?: number | false;
  captureStatus?: HudCaptureStatus;
  exporters?: HudExporter[];
  limits?: Partial<HudLimits>;
  strict?: boolean;
  redact?: Array<string | RegExp>;
  beforeRecord?: (record: ForensicsRecord) => ForensicsRecord | null;
  rateLimit?: Partial<HudRateLimit> | false;
  contextSchema?: HudContextSchema;
  maxQueueSize?: number;
  exportTimeoutMs?: number;
  shutdownTimeoutMs?: number;
  inspector?: HudInspectorModuleOptions;
  propagation?: Partial<HudPropagationOptions>;
  suspects?: Partial<HudSuspectsOptions> | false;
  metrics?: Partial<HudMetricsOptions>;
  breadcrumbs?: Partial<HudBreadcrumbsOptions> | false;
  slowBaseline?: Partial<HudSlowBaselineOptions> | false;
  openFeature?: boolean | Partial<HudOpenFeatureOptions>;
  fromUser?: Record<string, string>;
  fromMetadata?: Record<string, string>;
  changes?: Partial<HudChangesOptions> | false;
}
