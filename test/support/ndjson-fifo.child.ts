// Child process for the stalled-NDJSON test: an app whose NdjsonFileExporter writes to a FIFO
// nobody reads (argv[2]), so its writes stall once the pipe is full. It records failures with
// about 70 KB of context each for a while, then prints one JSON line with how much its heap
// and buffers grew, closes the app, prints `{"closed":true}` and should then exit by itself.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { HudContextService, HudForensics, HudModule, NdjsonFileExporter, setContext } from 'nestjs-hud';

const [path, rounds = '30'] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc!;
const MB = 1024 * 1024;

function memory(): number {
  for (let i = 0; i < 3; i++) gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

const app = await NestFactory.createApplicationContext(
  HudModule.forRoot({
    exporters: [new NdjsonFileExporter({ path })],
    rateLimit: false,
    slowThresholdMs: false,
    exportTimeoutMs: 200,
    maxQueueSize: 50,
    shutdownTimeoutMs: 1000,
  }),
  { logger: false },
);
const hud = app.get(HudContextService);
const forensics = app.get(HudForensics);
const context: Record<string, string> = {};

async function fail(n: number): Promise<void> {
  for (let k = 0; k < 64; k++) context[`key_${k}`] = `${n}:${'v'.repeat(1000)}`;
  try {
    await hud.run('stalled', () => {
      setContext(context);
      throw new Error(`failure ${n}`);
    });
  } catch {
    // the failure is the point
  }
}

const before = memory();
let n = 0;
// 20 failures every 100 ms: a lane that times out every 200 ms hands the exporter batch after batch
for (let round = 0; round < Number(rounds); round++) {
  for (let i = 0; i < 20; i++) await fail(n++);
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await new Promise((resolve) => setTimeout(resolve, 500));
const grown = memory() - before;
const ndjson = forensics.stats().exporters[0]!;
process.stdout.write(`${JSON.stringify({ failures: n, grownMb: grown / MB, ndjson })}\n`);
await app.close();
process.stdout.write(`${JSON.stringify({ closed: true })}\n`);
