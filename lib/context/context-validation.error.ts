import { HUD_VALIDATION_ERROR_BRAND } from '../hud.constants.js';
import type { HudContextProblem } from './context-value.types.js';

/**
 * Thrown by `setContext` / `HudContextService.set` in `strict` mode when any key of the
 * call is invalid. Nothing of that call is stored.
 *
 * `instanceof` also holds for one thrown by the other build of the package (the CommonJS
 * copy a library `require`s, when the app `import`s the ESM copy, or the reverse).
 *
 * @publicApi
 */
export class HudContextValidationError extends Error {
  override readonly name = 'HudContextValidationError';

  constructor(readonly problems: readonly HudContextProblem[]) {
    super(`Invalid Hud context: ${problems.map((p) => `"${p.key}" ${p.reason}`).join('; ')}`);
    Object.defineProperty(this, HUD_VALIDATION_ERROR_BRAND, { value: true });
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    // A subclass keeps the ordinary prototype check: only the base class matches by brand.
    if (this !== HudContextValidationError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[HUD_VALIDATION_ERROR_BRAND] === true;
  }
}
