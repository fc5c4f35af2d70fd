import type { LoggerService } from '@nestjs/common';

export type LogLevel = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';

export interface LogEntry {
  level: LogLevel;
  message: string;
  /**
   * Everything a console logger would print of the entry: the message (an Error's stack) and
   * the other string arguments (Nest 11 passes a stack that way), the context left out.
   */
  text: string;
  /** The Nest logger context (`'Hud'`, `'HudForensics'`, ...), when one was given. */
  context: string | undefined;
}

/**
 * A Nest LoggerService that keeps what it receives, so tests can assert on the warnings
 * and notes nestjs-hud writes through Nest's logger. Install it with
 * `Test.createTestingModule(...).setLogger(logger)` or `app.useLogger(logger)`.
 */
export class CapturedLogger implements LoggerService {
  readonly entries: LogEntry[] = [];

  log(message: unknown, ...params: unknown[]) {
    this.keep('log', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.keep('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.keep('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.keep('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.keep('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.keep('fatal', message, params);
  }

  /** Entries of one level, optionally only those whose message includes `text`. */
  of(level: LogLevel, text?: string): LogEntry[] {
    return this.entries.filter((e) => e.level === level && (text === undefined || e.message.includes(text)));
  }

  clear(): void {
    this.entries.length = 0;
  }

  private keep(level: LogLevel, message: unknown, params: unknown[]) {
    const last = params[params.length - 1];
    const context = typeof last === 'string' ? last : undefined;
    const printed = context === undefined ? params : params.slice(0, -1);
    this.entries.push({
      level,
      message: message instanceof Error ? message.message : String(message),
      text: [message instanceof Error ? (message.stack ?? String(message)) : String(message), ...printed.filter((p) => typeof p === 'string')].join('\n'),
      context,
    });
  }
}
