import { validateSync, type ValidationError } from 'class-validator';
import type { HudContextSchema } from '../hud.options.js';
import type { Redactor } from '../forensics/redactor.js';
import type { HudContextProblem, HudContextValue } from './context-value.types.js';

/** Names the schema itself, not a key, in a problem report. */
const SCHEMA_KEY = '(contextSchema)';

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return 'unprintable error';
  }
}

interface SchemaBatch {
  keys: string[];
  values: HudContextValue[];
  problems: HudContextProblem[] | undefined;
}

/**
 * Why a key failed. A schema message can quote the value (`$value`, or a message function),
 * and a problem travels to the record, the warning log and span attributes: for a key the
 * `redact` rules cover, only the names of the failing constraints are given.
 */
function failureReason(error: ValidationError, redactor: Redactor): string {
  const constraints = error.constraints ?? {};
  if (redactor.shouldRedact(error.property)) {
    const names = Object.keys(constraints).join(', ') || 'the schema';
    return `failed ${names} (message left out: the key is redacted)`;
  }
  return Object.values(constraints).join('; ') || 'rejected by contextSchema';
}

/**
 * Checks the accepted keys of one `set` against the user's `contextSchema` class and moves
 * failing keys from the batch to its problems. Only keys present in the call are checked
 * (`skipMissingProperties`); keys the schema does not declare pass.
 */
export function checkAgainstSchema(schema: HudContextSchema, batch: SchemaBatch, redactor: Redactor): void {
  // Built without running the constructor, so field initialisers cannot add keys to check.
  const candidate = Object.create(schema.prototype) as Record<string, unknown>;
  // Defined, not assigned: an accessor on the schema's prototype must not run (or throw) here.
  for (let i = 0; i < batch.keys.length; i++) {
    Object.defineProperty(candidate, batch.keys[i], { value: batch.values[i], enumerable: true, writable: true, configurable: true });
  }
  let errors: ReturnType<typeof validateSync>;
  try {
    errors = validateSync(candidate, { skipMissingProperties: true, forbidUnknownValues: false });
  } catch (error) {
    // A custom validator that throws is a bug in the schema, not in the values: keep them, say so.
    // Its message could quote a value: left out when the call holds a redacted key.
    const detail = batch.keys.some((key) => redactor.shouldRedact(key)) ? '' : ` (${safeString(error)})`;
    (batch.problems ??= []).push({ key: SCHEMA_KEY, reason: `contextSchema validation threw${detail}; values kept unchecked` });
    return;
  }
  if (errors.length === 0) return;
  const failing = new Map<string, string>();
  for (const error of errors) {
    failing.set(error.property, failureReason(error, redactor));
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
