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

/**
 * How a record is handed to the logger.
 *
 * - `'json'` (the default): one string, the record as JSON, for Nest's own text logger.
 * - `'fields'`: an object, the record's fields plus `msg`, for a JSON logger that turns an
 *   object into fields of its line (nestjs-pino: `context.client_id` becomes a field).
 *
 * @publicApi
 */
export type LoggerExporterFormat = 'json' | 'fields';

/** @publicApi */
export interface LoggerExporterOptions {
  /** Default `'unlogged'`. See {@link LoggerExporterStacks}. */
  stacks?: LoggerExporterStacks;
  /** Default `'json'`. See {@link LoggerExporterFormat}. */
  format?: LoggerExporterFormat;
  /** Where the lines go. Default: Nest's `Logger` with context `HudForensics`. */
  logger?: Pick<LoggerService, 'error' | 'warn'>;
}

const STACKS: readonly LoggerExporterStacks[] = ['always', 'unlogged'];
const FORMATS: readonly LoggerExporterFormat[] = ['json', 'fields'];

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

/** The record, without the stack when `stacks` says to leave it out. */
function withStacks(record: ForensicsRecord, stacks: LoggerExporterStacks): ForensicsRecord {
  if (stacks === 'always' || !stackLoggedByNest(record)) return record;
  const { stack: _stack, ...error } = record.error!;
  return { ...record, error };
}

/** What the logger is handed: a JSON string, or the record's fields with a short `msg`. */
function messageOf(record: ForensicsRecord, format: LoggerExporterFormat): string | Record<string, unknown> {
  if (format === 'json') return JSON.stringify(record);
  return { msg: `forensics record: ${record.trigger} ${record.invocation.name}`, ...record };
}

/**
 * Writes each record as one JSON line through Nest's `Logger` (context `HudForensics`),
 * so records go wherever the app's logs go: at level `warn` for a slow success
 * (trigger `duration`), `error` for every failure. The default exporter.
 *
 * ```ts
 * HudModule.forRoot({ exporters: [new LoggerExporter({ stacks: 'always' })] });
 * HudModule.forRoot({ exporters: [new LoggerExporter({ format: 'fields' })] }); // with nestjs-pino
 * ```
 *
 * @publicApi
 */
export class LoggerExporter implements HudExporter {
  private readonly stacks: LoggerExporterStacks;
  private readonly format: LoggerExporterFormat;
  private readonly logger: Pick<LoggerService, 'error' | 'warn'>;

  constructor(options: LoggerExporterOptions = {}) {
    const stacks = options.stacks ?? 'unlogged';
    if (!STACKS.includes(stacks)) {
      throw new TypeError(`LoggerExporter: stacks must be 'always' or 'unlogged', got ${JSON.stringify(stacks)}`);
    }
    const format = options.format ?? 'json';
    if (!FORMATS.includes(format)) {
      throw new TypeError(`LoggerExporter: format must be 'json' or 'fields', got ${JSON.stringify(format)}`);
    }
    this.stacks = stacks;
    this.format = format;
    this.logger = options.logger ?? new Logger('HudForensics');
  }

  export(records: readonly ForensicsRecord[]): void {
    for (const record of records) {
      const message = messageOf(withStacks(record, this.stacks), this.format);
      if (record.trigger === 'duration') this.logger.warn(message);
      else this.logger.error(message);
    }
  }
}
