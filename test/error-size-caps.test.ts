import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Param } from '@nestjs/common';
import { HudForensics, HudModule, setContext, type ForensicsRecord } from 'nestjs-hud';
import { gc, heapAfterGc } from './support/heap.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';

// An error's message and stack are the app's text, of any size (a failed query quoting its
// SQL, a validation error quoting a body): the record keeps at most 8,192 and 32,768
// characters of them, and the inspector's answers stay bounded whatever it holds.

const MB = 1024 * 1024;
const TOKEN = 'error-caps-token';
const HELD = 200;
const MAX_MESSAGE = 8192;
const MAX_STACK = 32_768;
/** What one inspector answer carries of records at most (docs/limits.md). */
const MAX_ANSWER = 8 * MB;

const THREE_MB_OF_M = 'm'.repeat(3 * MB);

/** A distinct 3 MB text on the JavaScript heap, as a message quoting a whole payload would be. */
function threeMegabytes(i: number): string {
  return JSON.parse(JSON.stringify(`failure ${i}: ${THREE_MB_OF_M}`)) as string;
}

@Controller('fail')
class FailingController {
  @Get(':i')
  fail(@Param('i') i: string) {
    // every context key at the limits too: 64 keys of 1,024 characters
    const context: Record<string, string> = {};
    for (let k = 0; k < 64; k++) context[`key_${k}`] = `${i}:${'c'.repeat(1020)}`;
    setContext(context);
    throw new Error(threeMegabytes(Number(i)));
  }
}

describe('error message and stack caps, and the inspector with records at the caps', () => {
  let running: RunningApp;
  let growth = 0;
  before(async () => {
    assert.ok(gc, 'the test runner gives --expose-gc');
    running = await startHttpApp('express', {
      imports: [HudModule.forRoot({ exporters: [], rateLimit: false, slowThresholdMs: false, inspector: { token: TOKEN, maxRecords: HELD } })],
      controllers: [FailingController],
    });
    const forensics = running.app.get(HudForensics);
    const fail = async (i: number) => {
      const response = await fetch(`${running.url}/fail/${i}`);
      await response.arrayBuffer();
      assert.equal(response.status, 500);
    };
    await fail(1_000_000);
    await forensics.flush();
    const baseline = await heapAfterGc();
    for (let i = 0; i < HELD; i++) {
      await fail(i);
      if (i % 50 === 49) {
        await forensics.flush();
        growth = (await heapAfterGc()) - baseline;
        // 200 records of about 105 KB each are held; 3 MB messages would be 600 MB and more
        assert.ok(growth < 60 * MB, `heap grew by ${(growth / MB).toFixed(1)} MB after ${i + 1} failures`);
      }
    }
  });
  after(() => running?.close());

  it('keeps at most 8,192 characters of a 3 MB message and 32,768 of its stack, each ending with …', async (t) => {
    const response = await fetch(`${running.url}/_hud/records.json?token=${TOKEN}&name=${encodeURIComponent('GET /fail/:i')}`);
    assert.equal(response.status, 200);
    const { records } = (await response.json()) as { records: ForensicsRecord[] };
    assert.ok(records.length > 0);
    for (const record of records) {
      const { message, stack } = record.error!;
      assert.equal(message.length, MAX_MESSAGE, 'the message is cut to 8,192 characters');
      assert.ok(message.startsWith('failure ') && message.endsWith('…'));
      assert.ok(stack !== undefined && stack.length === MAX_STACK && stack.endsWith('…'), `stack of ${stack?.length} characters`);
    }
    t.diagnostic(`heap growth with ${HELD} records held (3 MB messages, 64 context keys at the limits): ${(growth / MB).toFixed(1)} MB`);
  });

  it(`records.json answers 200 with at most 8 MiB of records, newest first, and says how many of the ${HELD} held were left out`, async (t) => {
    const response = await fetch(`${running.url}/_hud/records.json`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.ok(text.length <= MAX_ANSWER + 64, `answer of ${text.length} characters`);
    const body = JSON.parse(text) as { records: ForensicsRecord[]; omitted?: number };
    assert.ok(body.records.length > 10, `${body.records.length} records served`);
    assert.ok((body.omitted ?? 0) > 0, 'some held records did not fit');
    assert.equal(body.records.length + body.omitted!, HELD, 'served and left out add up to what is held');
    // newest first: the last failures, in reverse order
    const served = body.records.map((record) => Number(record.error!.message.slice('failure '.length, record.error!.message.indexOf(':'))));
    assert.deepEqual(served, Array.from({ length: served.length }, (_, k) => HELD - 1 - k));
    t.diagnostic(`records.json: ${body.records.length} records in ${(text.length / MB).toFixed(2)} MiB, ${body.omitted} left out`);
  });

  it('the page answers 200, bounded, and says how many records it does not show', async (t) => {
    const response = await fetch(`${running.url}/_hud?token=${TOKEN}`);
    assert.equal(response.status, 200);
    const html = await response.text();
    const shown = Number(/<span id="hud-shown">(\d+)<\/span>/.exec(html)?.[1]);
    const leftOut = Number(/(\d+) records are held but not shown/.exec(html)?.[1]);
    assert.ok(shown > 0 && leftOut > 0, `shown ${shown}, left out ${leftOut}`);
    assert.equal(shown + leftOut, HELD);
    // the cards are bounded; the rest of the page (table of names, suspects) is small
    assert.ok(html.length <= MAX_ANSWER + 512 * 1024, `page of ${(html.length / MB).toFixed(2)} MiB`);
    t.diagnostic(`page: ${shown} records shown in ${(html.length / MB).toFixed(2)} MiB, ${leftOut} left out`);
  });
});
