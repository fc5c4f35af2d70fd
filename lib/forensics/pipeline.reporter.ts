import { Logger } from '@nestjs/common';

/** `String(error)` that cannot itself throw (a thrown object may have a throwing toString). */
export function describeThrown(error: unknown): string {
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

/**
 * Reports each kind of pipeline problem once (an exporter that fails, a hook that throws, a
 * full queue), on the `HudForensics` logger; later occurrences are only counted in `stats()`.
 * Reporting must never raise, and a storm must not flood the app's log.
 */
export class PipelineReporter {
  private readonly logger = new Logger('HudForensics');
  private readonly reported = new Set<string>();

  once(id: string, message: string): void {
    if (this.reported.has(id)) return;
    this.reported.add(id);
    this.logger.error(message);
  }
}
