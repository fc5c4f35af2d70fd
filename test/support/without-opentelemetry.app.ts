// A child process for opentelemetry-absent.test.ts: an app that uses every OpenTelemetry
// path of nestjs-hud, started where @opentelemetry/api cannot be loaded. Prints one JSON line.
import 'reflect-metadata';
import { Controller, Get } from '@nestjs/common';
import { HudForensics, OpenTelemetryExporter, setContext } from 'nestjs-hud';
import { expectRecord, HudTestingModule, MemoryExporter } from 'nestjs-hud/testing';
import { startHttpApp } from './http-app.js';

@Controller()
class FailingController {
  @Get('fail')
  fail() {
    setContext({ client_id: 'acme' });
    throw new Error('boom');
  }
}

const otelImport = await import('@opentelemetry/api').then(
  () => 'loaded',
  (error: { code?: string }) => String(error.code),
);
const running = await startHttpApp('express', {
  imports: [HudTestingModule.forRoot({ exporters: [new OpenTelemetryExporter()] })],
  controllers: [FailingController],
});
const response = await fetch(`${running.url}/fail`);
const record = await expectRecord(running.app.get(MemoryExporter), { invocation: { name: 'GET /fail' } });
await running.app.get(HudForensics).flush();
const stats = running.app.get(HudForensics).stats();
await running.close();
process.stdout.write(`${JSON.stringify({ otelImport, status: response.status, record, stats })}\n`);
