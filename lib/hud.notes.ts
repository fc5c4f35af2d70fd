import type { Logger } from '@nestjs/common';

/** Distinct notes remembered, so that each is logged once; beyond it, no more notes. */
const MAX_REMEMBERED_NOTES = 1000;

/** `String(error)` that cannot itself throw (a thrown object may have a throwing toString). */
export function describeThrown(error: unknown): string {
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

/**
 * Log lines written once per kind of problem (an id), at the level each deserves: a hot path
 * or a storm of bad input cannot flood the app's log, and memory stays bounded (at most
 * `MAX_REMEMBERED_NOTES` ids, then silence). Never throws: reporting must never raise.
 */
export class HudNotes {
  private readonly seen = new Set<string>();

  constructor(private readonly logger: Logger) {}

  warn(id: string, message: string): void {
    if (this.isFresh(id)) this.logger.warn(message);
  }

  debug(id: string, message: string): void {
    if (this.isFresh(id)) this.logger.debug(message);
  }

  error(id: string, message: string): void {
    if (this.isFresh(id)) this.logger.error(message);
  }

  private isFresh(id: string): boolean {
    if (this.seen.has(id) || this.seen.size >= MAX_REMEMBERED_NOTES) return false;
    this.seen.add(id);
    return true;
  }
}
