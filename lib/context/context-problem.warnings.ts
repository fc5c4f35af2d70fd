import type { Logger } from '@nestjs/common';
import { MAX_LISTED_PROBLEMS } from '../hud.constants.js';
import { logSafely } from '../hud.notes.js';
import type { HudContextProblem } from './context-value.types.js';

/** Distinct problems remembered (so each is warned once); a budget of its own. */
const MAX_REMEMBERED_PROBLEMS = 500;

function problemId(problem: HudContextProblem): string {
  return `${problem.key}\u0000${problem.reason}`;
}

/** `"a", "b" reason one; "c" reason two`: problems of the same reason side by side. */
function describeByReason(problems: readonly HudContextProblem[]): string {
  const keysByReason = new Map<string, string[]>();
  for (const { key, reason } of problems) {
    const keys = keysByReason.get(reason);
    if (keys === undefined) keysByReason.set(reason, [`"${key}"`]);
    else keys.push(`"${key}"`);
  }
  return [...keysByReason].map(([reason, keys]) => `${keys.join(', ')} ${reason}`).join('; ');
}

/** How the lines name the API and what became of the rest of the call. */
export interface ProblemWording {
  caller: string;
  /** After "and N more in this call". */
  moreHint: string;
  kept: string;
  /** After "further ones are no longer logged". */
  forgottenHint: string;
}

const SET_CONTEXT_WORDING: ProblemWording = {
  caller: 'setContext',
  moreHint: " (see the record's droppedCount)",
  kept: 'Other keys of the call were kept.',
  forgottenHint: ' (records still list them in dropped)',
};

/**
 * The warnings `setContext` logs about the problems of a call. Each distinct problem (key and
 * reason) is warned once, and one call yields at most one line naming at most 20 of them: a
 * call with 100,000 bad keys neither floods the log nor uses up what is remembered, and it
 * never touches the budget of the module's other warnings.
 */
export class ContextProblemWarnings {
  private readonly warned = new Set<string>();
  private full = false;

  constructor(
    private readonly logger: Logger,
    private readonly wording: ProblemWording = SET_CONTEXT_WORDING,
  ) {}

  warn(problems: readonly HudContextProblem[]): void {
    if (this.full) return;
    const fresh: HudContextProblem[] = [];
    for (const problem of problems) {
      if (fresh.length === MAX_LISTED_PROBLEMS) break;
      const id = problemId(problem);
      if (this.warned.has(id)) continue;
      if (this.warned.size === MAX_REMEMBERED_PROBLEMS) {
        this.full = true;
        break;
      }
      this.warned.add(id);
      fresh.push(problem);
    }
    if (fresh.length > 0) {
      const { caller, moreHint, kept } = this.wording;
      const more = problems.length > fresh.length ? `; and ${problems.length - fresh.length} more in this call${moreHint}` : '';
      logSafely(this.logger, 'warn', `${caller}: ${describeByReason(fresh)}${more}. ${kept}`);
    }
    if (this.full) {
      logSafely(
        this.logger,
        'warn',
        `${this.wording.caller}: ${MAX_REMEMBERED_PROBLEMS} distinct problems were reported; further ones are no longer logged${this.wording.forgottenHint}.`,
      );
    }
  }
}
