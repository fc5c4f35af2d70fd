import { Logger } from '@nestjs/common';
import type { ForensicsRecord } from '../forensics-record.interface.js';
import type { HudExporter } from './hud-exporter.interface.js';

/**
 * Writes each record as one JSON line through Nest's `Logger` (context `HudForensics`),
 * so records go wherever the app's logs go. The default exporter.
 *
 * @publicApi
 */
export class LoggerExporter implements HudExporter {
  constructor(private readonly logger: Pick<Logger, 'error'> = new Logger('HudForensics')) {}

  export(records: readonly ForensicsRecord[]): void {
    for (const record of records) this.logger.error(JSON.stringify(record));
  }
}
