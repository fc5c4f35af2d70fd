import { Logger, type LoggerService } from '@nestjs/common';
import { isRecordOfAppFilter } from '../app-filter.errors.js';
import type { ForensicsRecord } from '../forensics-record.interface.js';
import type { HudExporter } from './hud-exporter.interface.js';

/**
 * Which records keep `error.stack` in their log line.
 *
 * - `'unlogged'` (the default): every record but those whose stack Nest's own exception
 *   handler (`ExceptionsHandler`) has just logged, so the log holds each stack once.
 * - `'always'`: every record keeps its stack.
 *
 * @publicApi
 */
export type LoggerExporterStacks = 'always' | 'unlogged';

/** @publicApi */
export interface LoggerExporterOptions {
  /** Default `'unlogged'`. See {@link LoggerExporterStacks}. */
  stacks?: LoggerExporterStacks;
  /** Where the lines go. Default: Nest's `Logger` with context `HudForensics`. */
  logger?: Pick<LoggerService, 'error' | 'warn'>;
}

const STACKS: readonly LoggerExporterStacks[] = ['always', 'unlogged'];

/**
 * Whether Nest's exception handler (`ExceptionsHandler`) logged this record's stack already.
 * For an HTTP request or a GraphQL operation it logs, with its stack, every error that is
 * not an `HttpException` (which carries a status), unless a filter of the app handles it
 * first (then the stack stays: such a filter usually logs nothing). Microservice and WebSocket errors keep their stack:
 * there the record cannot tell Nest's own `RpcException`/`WsException`, which Nest does not
 * log, from an `Error`, which it does.
 */
function stackLoggedByNest(record: ForensicsRecord): boolean {
  const { kind } = record.invocation;
  return (
    record.trigger === 'error' &&
    (kind === 'http' || kind === 'graphql') &&
    record.error?.stack !== undefined &&
    record.error.status === undefined &&
    !isRecordOfAppFilter(record)
  );
}

/** The record as one JSON line, without the stack when `stacks` says to leave it out. */
function lineOf(record: ForensicsRecord, stacks: LoggerExporterStacks): string {
  if (stacks === 'always' || !stackLoggedByNest(record)) return JSON.stringify(record);
  const { stack: _stack, ...error } = record.error!;
  return JSON.stringify({ ...record, error });
}

/**
 * Writes each record as one JSON line through Nest's `Logger` (context `HudForensics`),
 * so records go wherever the app's logs go: at level `warn` for a slow success
 * (trigger `duration`), `error` for every failure. The default exporter.
 *
 * ```ts
 * HudModule.forRoot({ exporters: [new LoggerExporter({ stacks: 'always' })] });
 * ```
 *
 * @publicApi
 */
export class LoggerExporter implements HudExporter {
  private readonly stacks: LoggerExporterStacks;
  private readonly logger: Pick<LoggerService, 'error' | 'warn'>;

  constructor(options: LoggerExporterOptions = {}) {
    const stacks = options.stacks ?? 'unlogged';
    if (!STACKS.includes(stacks)) {
      throw new TypeError(`LoggerExporter: stacks must be 'always' or 'unlogged', got ${JSON.stringify(stacks)}`);
    }
    this.stacks = stacks;
    this.logger = options.logger ?? new Logger('HudForensics');
  }

  export(records: readonly ForensicsRecord[]): void {
    for (const record of records) {
      const line = lineOf(record, this.stacks);
      if (record.trigger === 'duration') this.logger.warn(line);
      else this.logger.error(line);
    }
  }
}
