import 'reflect-metadata';
import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { HudContextService, HudForensics, HudModule, MemoryExporter, type HudModuleOptions } from 'nestjs-hud';

/** Every line Nest's Logger received, with its level and context. */
export class CapturingLogger implements LoggerService {
  readonly lines: { level: string; message: string; context?: string }[] = [];
  log(message: unknown, context?: string) { this.push('log', message, context); }
  error(message: unknown, ...rest: unknown[]) { this.push('error', message, rest[rest.length - 1] as string | undefined); }
  warn(message: unknown, context?: string) { this.push('warn', message, context); }
  debug(message: unknown, context?: string) { this.push('debug', message, context); }
  verbose(message: unknown, context?: string) { this.push('verbose', message, context); }
  /** Lines at `level` whose message contains `text`. */
  matching(level: string, text: string) {
    return this.lines.filter((line) => line.level === level && line.message.includes(text));
  }
  private push(level: string, message: unknown, context?: string) {
    this.lines.push({ level, message: String(message), context });
  }
}

export interface HudContextApp {
  hud: HudContextService;
  forensics: HudForensics;
  exporter: MemoryExporter;
  logger: CapturingLogger;
  moduleRef: TestingModule;
  /** Runs `fn` as one invocation named `name` and swallows what it throws (the failure is the point). */
  fail(name: string, fn: () => void | Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/**
 * HudModule without an HTTP server: invocations are made with `HudContextService.run`, the
 * public way to record a unit of work. A MemoryExporter is added to `options.exporters`.
 */
export async function startHudContextApp(options: HudModuleOptions = {}): Promise<HudContextApp> {
  const exporter = new MemoryExporter();
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [HudModule.forRoot({ rateLimit: false, ...options, exporters: [...(options.exporters ?? []), exporter] })],
  })
    .setLogger(logger)
    .compile();
  await moduleRef.init();
  const hud = moduleRef.get(HudContextService);
  return {
    hud,
    forensics: moduleRef.get(HudForensics),
    exporter,
    logger,
    moduleRef,
    async fail(name, fn) {
      try {
        await hud.run(name, fn);
      } catch {
        // expected
      }
    },
    close: () => moduleRef.close(),
  };
}
