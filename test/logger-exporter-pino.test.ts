import 'reflect-metadata';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Controller, Get } from '@nestjs/common';
import { Logger as PinoNestLogger, LoggerModule } from 'nestjs-pino';
import { HudForensics, HudModule, LoggerExporter } from 'nestjs-hud';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

// LoggerExporter through nestjs-pino (the app's logger): with `format: 'fields'` the record's
// fields are fields of pino's JSON line, so `context.client_id` can be queried as it is; the
// default hands the record over as one JSON string, which pino escapes into `msg`.

@Controller('orders')
class OrdersController {
  @Get()
  create() {
    throw new Error('payment gateway timeout');
  }
}

/**
 * Every line pino writes. nestjs-pino keeps its first root logger for the process, so later
 * apps write here too: one array, emptied before each app.
 */
const written: string[] = [];

/** The record lines of one failing request, through two LoggerExporters: 'fields' and the default. */
async function recordLines(platform: (typeof PLATFORMS)[number]): Promise<Record<string, any>[]> {
  written.length = 0;
  const running: RunningApp = await startHttpApp(
    platform,
    {
      imports: [
        HudModule.forRoot({
          service: 'orders-api',
          fromHeaders: { client_id: 'x-client-id' },
          exporters: [new LoggerExporter({ format: 'fields' }), new LoggerExporter()],
        }),
        LoggerModule.forRoot({ pinoHttp: [{ autoLogging: false }, { write: (line: string) => void written.push(line) }] }),
      ],
      controllers: [OrdersController],
    },
    (app) => app.useLogger(app.get(PinoNestLogger)),
  );
  try {
    const response = await fetch(`${running.url}/orders`, { headers: { 'x-client-id': 'acme' } });
    assert.equal(response.status, 500);
    await running.app.get(HudForensics).flush();
  } finally {
    await running.close();
  }
  const lines = written.map((line) => JSON.parse(line) as Record<string, any>);
  const records = lines.filter((line) => line.level === 50 && JSON.stringify(line).includes('trigger'));
  assert.equal(records.length, 2, `two record lines among:\n${written.join('')}`);
  return records;
}

for (const platform of PLATFORMS) {
  describe(`LoggerExporter with nestjs-pino (${platform})`, () => {
    let fields: Record<string, any>;
    let json: Record<string, any>;
    before(async () => {
      const lines = await recordLines(platform);
      fields = lines.find((line) => line.trigger !== undefined)!;
      json = lines.find((line) => line.trigger === undefined)!;
    });

    it("format 'fields': the record's fields are fields of the line, context.client_id among them", () => {
      assert.ok(fields, "a line with the record's fields");
      assert.equal(fields.context.client_id, 'acme');
      assert.equal(fields.service, 'orders-api');
      assert.equal(fields.invocation.name, 'GET /orders');
      assert.equal(fields.error.message, 'payment gateway timeout');
      assert.equal(fields.error.stack, undefined, "Nest's exception line printed the stack already");
      assert.equal(fields.msg, 'forensics record: error GET /orders');
    });

    it('the default: the record is one JSON string in msg, under the logger context HudForensics', () => {
      assert.ok(json, 'a line with the record as a string');
      assert.equal(json.context, 'HudForensics');
      assert.deepEqual(JSON.parse(json.msg).context, { client_id: 'acme' });
    });
  });
}

describe('LoggerExporter options', () => {
  it('rejects an unknown format with a clear error', () => {
    assert.throws(() => new LoggerExporter({ format: 'text' as never }), /LoggerExporter: format must be 'json' or 'fields', got "text"/);
  });
});
