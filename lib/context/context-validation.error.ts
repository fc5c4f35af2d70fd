import type { HudContextProblem } from './context-value.types.js';

/**
 * Thrown by `setContext` / `HudContextService.set` in `strict` mode when any key of the
 * call is invalid. Nothing of that call is stored.
 *
 * @publicApi
 */
export class HudContextValidationError extends Error {
  override readonly name = 'HudContextValidationError';

  constructor(readonly problems: readonly HudContextProblem[]) {
    super(`Invalid Hud context: ${problems.map((p) => `"${p.key}" ${p.reason}`).join('; ')}`);
  }
}
