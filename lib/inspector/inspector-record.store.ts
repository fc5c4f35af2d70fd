import type { HudExporter } from '../forensics/exporters/hud-exporter.interface.js';
import type { ForensicsRecord } from '../forensics/forensics-record.interface.js';

/**
 * The recent records the inspector shows: a ring of at most `maxRecords`, fed as one more
 * exporter, so it sees exactly what the other exporters see (redacted, after
 * `beforeRecord`). Memory stays bounded however many records pass through.
 */
export class InspectorRecordStore implements HudExporter {
  private readonly ring: Array<ForensicsRecord | undefined>;
  /** Index the next record is written to. */
  private next = 0;
  private count = 0;

  constructor(readonly maxRecords: number) {
    this.ring = new Array<ForensicsRecord | undefined>(maxRecords);
  }

  export(records: readonly ForensicsRecord[]): void {
    for (const record of records) {
      this.ring[this.next] = record;
      this.next = (this.next + 1) % this.maxRecords;
      if (this.count < this.maxRecords) this.count++;
    }
  }

  /** The records held, newest first. */
  newestFirst(): ForensicsRecord[] {
    const records: ForensicsRecord[] = [];
    for (let i = 1; i <= this.count; i++) {
      records.push(this.ring[(this.next - i + this.maxRecords) % this.maxRecords]!);
    }
    return records;
  }
}
