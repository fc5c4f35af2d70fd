import type { ForensicsRecord, HudExporter } from 'nestjs-hud';

/** An exporter whose calls wait until `release()`; it remembers what it was given. */
export class GateExporter implements HudExporter {
  readonly batches: ForensicsRecord[][] = [];
  private opened = false;
  private waiting: Array<() => void> = [];
  private firstCall!: () => void;
  /** Resolves when `export` is first called. */
  readonly called = new Promise<void>((resolve) => (this.firstCall = resolve));

  export(records: ForensicsRecord[]): Promise<void> {
    this.batches.push(records);
    this.firstCall();
    if (this.opened) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    this.opened = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/** Throws synchronously on every batch. */
export class ThrowingExporter implements HudExporter {
  calls = 0;
  export(): void {
    this.calls++;
    throw new Error('exporter down');
  }
}

/** Rejects every batch. */
export class RejectingExporter implements HudExporter {
  calls = 0;
  async export(): Promise<void> {
    this.calls++;
    throw new Error('collector unreachable');
  }
}

/** Never settles: a collector that accepts the connection and then says nothing. */
export class HangingExporter implements HudExporter {
  calls = 0;
  private firstCall!: () => void;
  readonly called = new Promise<void>((resolve) => (this.firstCall = resolve));
  export(): Promise<void> {
    this.calls++;
    this.firstCall();
    return new Promise(() => {});
  }
}

/** Polls `condition` every 10 ms until it holds, or fails after `timeoutMs`. */
export async function eventually(condition: () => boolean, describe: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
