import type { HudOptions } from '../hud.options.js';
import { Redactor } from './redactor.js';

const redactors = new WeakMap<HudOptions, Redactor>();

/**
 * The `redact` rules of a module, for the paths other than records that carry context out
 * of the process (span attributes, log fields): what is redacted in a record must not leak
 * through them either.
 */
export function redactorOf(options: HudOptions): Redactor {
  let redactor = redactors.get(options);
  if (redactor === undefined) {
    redactor = new Redactor(options.redact);
    redactors.set(options, redactor);
  }
  return redactor;
}
