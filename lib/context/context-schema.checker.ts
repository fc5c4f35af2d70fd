import { validateSync } from 'class-validator';
import type { HudContextSchema } from '../hud.options.js';
import type { HudContextProblem, HudContextValue } from './context-value.types.js';

interface SchemaBatch {
  keys: string[];
  values: HudContextValue[];
  problems: HudContextProblem[] | undefined;
}

/**
 * Checks the accepted keys of one `set` against the user's `contextSchema` class and moves
 * failing keys from the batch to its problems. Only keys present in the call are checked
 * (`skipMissingProperties`); keys the schema does not declare pass.
 */
export function checkAgainstSchema(schema: HudContextSchema, batch: SchemaBatch): void {
  // Built without running the constructor, so field initialisers cannot add keys to check.
  const candidate = Object.create(schema.prototype) as Record<string, unknown>;
  for (let i = 0; i < batch.keys.length; i++) candidate[batch.keys[i]] = batch.values[i];
  const errors = validateSync(candidate, { skipMissingProperties: true, forbidUnknownValues: false });
  if (errors.length === 0) return;
  const failing = new Map<string, string>();
  for (const error of errors) {
    failing.set(error.property, Object.values(error.constraints ?? {}).join('; ') || 'rejected by contextSchema');
  }
  const keys: string[] = [];
  const values: HudContextValue[] = [];
  for (let i = 0; i < batch.keys.length; i++) {
    const reason = failing.get(batch.keys[i]);
    if (reason === undefined) {
      keys.push(batch.keys[i]);
      values.push(batch.values[i]);
    } else {
      (batch.problems ??= []).push({ key: batch.keys[i], reason: `contextSchema: ${reason}` });
    }
  }
  batch.keys = keys;
  batch.values = values;
}
