import { HUD_VALIDATION_ERROR_BRAND, MAX_LISTED_PROBLEMS } from '../hud.constants.js';
import type { HudContextProblem } from './context-value.types.js';

function describe(listed: readonly HudContextProblem[], count: number): string {
  const more = count > listed.length ? `; and ${count - listed.length} more` : '';
  return `Invalid Hud context: ${listed.map((p) => `"${p.key}" ${p.reason}`).join('; ')}${more}`;
}

/**
 * Thrown by `setContext` / `HudContextService.set` in `strict` mode when any key of the
 * call is invalid. Nothing of that call is stored. `problems` lists the first 20 problems,
 * `problemCount` says how many there were.
 *
 * `instanceof` also holds for one thrown by the other build of the package (the CommonJS
 * copy a library `require`s, when the app `import`s the ESM copy, or the reverse).
 *
 * @publicApi
 */
export class HudContextValidationError extends Error {
  override readonly name = 'HudContextValidationError';

  /** The first problems of the call (at most 20). */
  readonly problems: readonly HudContextProblem[];
  /** How many problems the call had in all. */
  readonly problemCount: number;

  constructor(problems: readonly HudContextProblem[]) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    super(describe(listed, problems.length));
    this.problems = listed;
    this.problemCount = problems.length;
    Object.defineProperty(this, HUD_VALIDATION_ERROR_BRAND, { value: true });
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    // A subclass keeps the ordinary prototype check: only the base class matches by brand.
    if (this !== HudContextValidationError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[HUD_VALIDATION_ERROR_BRAND] === true;
  }
}
