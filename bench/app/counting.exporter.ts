import type { ForensicsRecord, HudExporter } from 'nestjs-hud';

/** hud-error's exporter: counts what it receives and keeps nothing. */
export class CountingExporter implements HudExporter {
  records = 0;
  batches = 0;

  export(records: ForensicsRecord[]): void {
    this.batches++;
    this.records += records.length;
  }
}
