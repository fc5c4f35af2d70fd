// Child process for the keep-alive shutdown test: an Express app with an NdjsonFileExporter
// (argv: the NDJSON path and shutdownTimeoutMs). Prints `{"port"}` once listening and
// `{"slowStarted":true}` when GET /slow begins; on SIGTERM it closes the app and prints how
// long close() took, whether the NDJSON file is still open, and the error lines nestjs-hud
// logged; then it exits by itself.
import 'reflect-metadata';
import { readdirSync, readlinkSync } from 'node:fs';
import { Controller, Get, Module, Param, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HudModule, NdjsonFileExporter, setContext } from 'nestjs-hud';

const [path, shutdownTimeoutMs] = process.argv.slice(2);
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** Keeps nestjs-hud's pipeline errors (an exporter given up on at shutdown is reported there). */
class ErrorLines implements LoggerService {
  readonly errors: string[] = [];
  log(): void {}
  warn(): void {}
  error(message: unknown, ...params: unknown[]): void {
    if (params.at(-1) === 'HudForensics') this.errors.push(String(message));
  }
}

@Controller()
class OrdersController {
  @Get('fail/:n')
  fail(@Param('n') n: string) {
    setContext({ n: Number(n) });
    throw new Error(`failure ${n}`);
  }

  /** A request still running when the app is asked to close: Nest's close waits for it. */
  @Get('slow')
  async slow() {
    setContext({ n: -1 });
    print({ slowStarted: true });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    return 'slow answer';
  }
}

@Module({
  imports: [
    HudModule.forRoot({
      exporters: [new NdjsonFileExporter({ path })],
      rateLimit: false,
      slowThresholdMs: 1000,
      shutdownTimeoutMs: Number(shutdownTimeoutMs),
    }),
  ],
  controllers: [OrdersController],
})
class AppModule {}

/** Whether this process still holds a descriptor open on `path`. */
function isOpen(file: string): boolean {
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  });
}

const logger = new ErrorLines();
const app = await NestFactory.create(AppModule, { logger });
await app.listen(0, '127.0.0.1');
print({ port: app.getHttpServer().address().port });
process.once('SIGTERM', () => {
  const started = performance.now();
  void app.close().then(() => print({ closedInMs: performance.now() - started, ndjsonOpen: isOpen(path), errors: logger.errors }));
});
