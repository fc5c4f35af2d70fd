// Child process for the shutdown test: an app whose only handle is its HTTP server, as in
// `node dist/main.js`. Argv: the NDJSON path and shutdownTimeoutMs. Prints one JSON line
// with its port once listening, and one with the time app.close() took once it resolved;
// then it exits by itself (nothing is left to keep it alive).
import 'reflect-metadata';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HudModule, NdjsonFileExporter, setContext, type HudExporter } from 'nestjs-hud';

const [path, shutdownTimeoutMs] = process.argv.slice(2);

/** Accepts its first batch and never answers: a collector that went silent. */
class HangingExporter implements HudExporter {
  export(): Promise<void> {
    return new Promise(() => {});
  }
}

@Controller()
class OrdersController {
  @Get('fail/:n')
  fail(@Param('n') n: string) {
    setContext({ n: Number(n) });
    throw new Error(`failure ${n}`);
  }
}

@Module({
  imports: [
    HudModule.forRoot({
      exporters: [new HangingExporter(), new NdjsonFileExporter({ path })],
      rateLimit: false,
      // far longer than the shutdown: a time-out left running would keep the process alive
      exportTimeoutMs: 60_000,
      ...(shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: Number(shutdownTimeoutMs) } : {}),
    }),
  ],
  controllers: [OrdersController],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ port: app.getHttpServer().address().port })}\n`);
process.once('SIGTERM', () => {
  const started = performance.now();
  void app.close().then(() => process.stdout.write(`${JSON.stringify({ closedInMs: performance.now() - started })}\n`));
});
