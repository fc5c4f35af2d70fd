import { validateSync, type ValidationError } from 'class-validator';
import { HudBreadcrumbsOptions } from './options/hud-breadcrumbs.options.js';
import { HudChangesOptions } from './options/hud-changes.options.js';
import { HudSlowBaselineOptions } from './options/hud-slow-baseline.options.js';
import {
  HudInspectorOptions,
  HudLimits,
  HudOptions,
  HudPropagationOptions,
  HudRateLimit,
  type HudModuleOptions,
} from './hud.options.js';
import { HudSuspectsOptions } from './options/hud-suspects.options.js';
import { HudMetricsOptions } from './options/hud-metrics.options.js';
import { HudOpenFeatureOptions } from './options/hud-open-feature.options.js';
import { resolveFleetOptions } from './options/hud-fleet.options.js';
import { serviceVersionFromEnvironment } from './options/resource-attributes.reader.js';

const KNOWN_OPTIONS = Object.keys(new HudOptions()).concat([
  'service',
  'version',
  'fromHeaders',
  'exporters',
  'beforeRecord',
  'contextSchema',
  'inspector',
  'propagation',
  'metrics',
  'openFeature',
  'fromUser',
  'fromMetadata',
]);

/** Copies `input` over a fresh instance of `Target`, so its defaults fill the gaps. */
function withDefaults<T extends object>(Target: new () => T, input: unknown): T | unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  return Object.assign(new Target(), input);
}

/** Options that are objects of their own, with the class that knows their fields. */
const NESTED_OPTIONS: ReadonlyArray<[string, new () => object]> = [
  ['limits', HudLimits],
  ['rateLimit', HudRateLimit],
  ['inspector', HudInspectorOptions],
  ['propagation', HudPropagationOptions],
  ['suspects', HudSuspectsOptions],
  ['metrics', HudMetricsOptions],
  ['breadcrumbs', HudBreadcrumbsOptions],
  ['slowBaseline', HudSlowBaselineOptions],
  ['openFeature', HudOpenFeatureOptions],
  ['changes', HudChangesOptions],
];

/** The fields a nested option accepts, for messages. */
function knownFieldsOf(name: string): string[] {
  const Target = NESTED_OPTIONS.find(([option]) => option === name)?.[1];
  if (Target === undefined) return [];
  const known = Object.keys(new Target());
  if (name === 'inspector') known.push('token'); // required, so it has no default to list it
  return known;
}

function messagesOf(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix + error.property;
    const constraints = { ...error.constraints };
    // class-validator's own "nested property x must be either object or array" is replaced by
    // the option's message when it has one, and said plainly when it has none
    if (constraints.nestedValidation !== undefined) {
      delete constraints.nestedValidation;
      if (Object.keys(constraints).length === 0) {
        const fields = knownFieldsOf(path);
        constraints.nestedValidation = `${path} must be an object${fields.length > 0 ? ` { ${fields.join(', ')} }` : ''}`;
      }
    }
    const own = Object.values(constraints);
    const nested = error.children?.length ? messagesOf(error.children, `${path}.`) : [];
    return [...own.map((m) => (m.startsWith(path) ? m : `${path}: ${m}`)), ...nested];
  });
}

/** A misspelt nested field (`limits: { maxKey: 10 }`) is named too, not silently ignored. */
function unknownNestedOptions(given: Record<string, unknown>): string[] {
  return NESTED_OPTIONS.flatMap(([name]) => {
    const value = given[name];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
    const known = knownFieldsOf(name);
    return Object.keys(value)
      .filter((key) => !known.includes(key))
      .map((key) => `unknown option "${name}.${key}" (known options of ${name}: ${known.join(', ')})`);
  });
}

/** `changes.recentMs` must leave the window a bucket at least on each side of it. */
function recentSpanProblems(options: HudOptions): string[] {
  const { changes, suspects } = options;
  if (changes === false || !(changes instanceof HudChangesOptions) || typeof changes.recentMs !== 'number') return [];
  const windowMs = suspects instanceof HudSuspectsOptions && Number.isInteger(suspects.windowMs) ? suspects.windowMs : new HudSuspectsOptions().windowMs;
  const [least, most] = [Math.ceil(windowMs / 15), Math.floor(windowMs / 2)];
  if (changes.recentMs >= least && changes.recentMs <= most) return [];
  return [`changes.recentMs must be between a fifteenth and half of suspects.windowMs (${windowMs} ms): ${least} to ${most}, not ${changes.recentMs}`];
}

/**
 * Validates what the user passed and fills in the defaults. Throws one Error naming every
 * bad option, so that a misconfigured app fails at boot rather than at its first failure.
 */
export function resolveHudOptions(input: HudModuleOptions | undefined): HudOptions {
  const given = (input ?? {}) as Record<string, unknown>;
  const problems = Object.keys(given)
    .filter((key) => !KNOWN_OPTIONS.includes(key))
    .map((key) => `unknown option "${key}" (known options: ${KNOWN_OPTIONS.join(', ')})`);
  problems.push(...unknownNestedOptions(given));

  const options = Object.assign(new HudOptions(), given);
  options.limits = withDefaults(HudLimits, given.limits ?? {}) as HudLimits;
  if (given.rateLimit !== undefined && given.rateLimit !== false) {
    options.rateLimit = withDefaults(HudRateLimit, given.rateLimit) as HudRateLimit;
  }
  if (given.breadcrumbs !== undefined && given.breadcrumbs !== false) {
    options.breadcrumbs = withDefaults(HudBreadcrumbsOptions, given.breadcrumbs) as HudBreadcrumbsOptions;
  }
  if (given.slowBaseline !== undefined && given.slowBaseline !== false) {
    options.slowBaseline = withDefaults(HudSlowBaselineOptions, given.slowBaseline) as HudSlowBaselineOptions;
  }
  if (given.inspector !== undefined) {
    options.inspector = withDefaults(HudInspectorOptions, given.inspector) as HudInspectorOptions;
    problems.push(...resolveFleetOptions(options.inspector));
  }
  if (given.propagation !== undefined) {
    options.propagation = withDefaults(HudPropagationOptions, given.propagation) as HudPropagationOptions;
  }
  if (given.suspects !== undefined && given.suspects !== false) {
    options.suspects = withDefaults(HudSuspectsOptions, given.suspects) as HudSuspectsOptions;
  }
  if (given.metrics !== undefined) options.metrics = withDefaults(HudMetricsOptions, given.metrics) as HudMetricsOptions;
  // true: the defaults; false: off, like leaving it out
  if (given.openFeature === true) options.openFeature = new HudOpenFeatureOptions();
  else if (given.openFeature === false || given.openFeature === undefined) options.openFeature = undefined;
  else options.openFeature = withDefaults(HudOpenFeatureOptions, given.openFeature) as HudOpenFeatureOptions;
  if (given.version === undefined) options.version = serviceVersionFromEnvironment();
  if (given.changes !== undefined && given.changes !== false) {
    options.changes = withDefaults(HudChangesOptions, given.changes) as HudChangesOptions;
  }
  problems.push(...messagesOf(validateSync(options, { forbidUnknownValues: false })));
  problems.push(...recentSpanProblems(options));
  if (problems.length > 0) {
    throw new Error(`HudModule: invalid options:\n  - ${[...new Set(problems)].join('\n  - ')}`);
  }
  return options;
}
