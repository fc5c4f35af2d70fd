import { validateSync, type ValidationError } from 'class-validator';
import {
  HudInspectorOptions,
  HudLimits,
  HudOptions,
  HudPropagationOptions,
  HudRateLimit,
  type HudModuleOptions,
} from './hud.options.js';

const KNOWN_OPTIONS = Object.keys(new HudOptions()).concat([
  'service',
  'fromHeaders',
  'exporters',
  'beforeRecord',
  'contextSchema',
  'inspector',
  'propagation',
]);

/** Copies `input` over a fresh instance of `Target`, so its defaults fill the gaps. */
function withDefaults<T extends object>(Target: new () => T, input: unknown): T | unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  return Object.assign(new Target(), input);
}

function messagesOf(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const own = Object.values(error.constraints ?? {});
    const path = prefix + error.property;
    const nested = error.children?.length ? messagesOf(error.children, `${path}.`) : [];
    // class-validator reports a nested object that is not an object as a constraint on the parent
    return [...own.map((m) => (m.startsWith(path) ? m : `${path}: ${m}`)), ...nested];
  });
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

  const options = Object.assign(new HudOptions(), given);
  options.limits = withDefaults(HudLimits, given.limits ?? {}) as HudLimits;
  if (given.rateLimit !== undefined && given.rateLimit !== false) {
    options.rateLimit = withDefaults(HudRateLimit, given.rateLimit) as HudRateLimit;
  }
  if (given.inspector !== undefined) {
    options.inspector = withDefaults(HudInspectorOptions, given.inspector) as HudInspectorOptions;
  }
  if (given.propagation !== undefined) {
    options.propagation = withDefaults(HudPropagationOptions, given.propagation) as HudPropagationOptions;
  }
  problems.push(...messagesOf(validateSync(options, { forbidUnknownValues: false })));
  if (problems.length > 0) {
    throw new Error(`HudModule: invalid options:\n  - ${problems.join('\n  - ')}`);
  }
  return options;
}
