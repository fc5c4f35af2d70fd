import type { Logger } from '@nestjs/common';
import { ownedText } from './context/utf16.text.js';

/** Distinct notes remembered, so that each is logged once; beyond it, no more notes. */
const MAX_REMEMBERED_NOTES = 1000;

/**
 * `String(value)` that cannot itself throw: a thrown object may have a throwing `toString`,
 * and a `Proxy` whose traps throw makes even `Object.prototype.toString` throw.
 */
export function describeThrown(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return `(an unreadable ${typeof value})`;
    }
  }
}

/**
 * Writes one line through the app's logger, which may be anything the app installed: a
 * logger that throws must not turn a lenient call (`setContext`, `setFailure`...) into an
 * exception in the app's code, so its throw is swallowed and the line is lost.
 */
export function logSafely(logger: Logger, level: 'warn' | 'debug' | 'error', message: string): void {
  try {
    logger[level](message);
  } catch {
    // the app's logger failed; nestjs-hud has nowhere else to say it
  }
}

/**
 * Log lines written once per kind of problem (an id), at the level each deserves: a hot path
 * or a storm of bad input cannot flood the app's log, and memory stays bounded (at most
 * `MAX_REMEMBERED_NOTES` ids, then silence). Never throws: reporting must never raise, even
 * when the app's logger does.
 */
export class HudNotes {
  private readonly seen = new Set<string>();

  constructor(private readonly logger: Logger) {}

  warn(id: string, message: string): void {
    if (this.isFresh(id)) logSafely(this.logger, 'warn', message);
  }

  debug(id: string, message: string): void {
    if (this.isFresh(id)) logSafely(this.logger, 'debug', message);
  }

  error(id: string, message: string): void {
    if (this.isFresh(id)) logSafely(this.logger, 'error', message);
  }

  private isFresh(id: string): boolean {
    if (this.seen.has(id) || this.seen.size >= MAX_REMEMBERED_NOTES) return false;
    // an id can quote input (a header's key): remembered as a copy, never as a view of it
    this.seen.add(ownedText(id));
    return true;
  }
}
