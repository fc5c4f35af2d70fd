import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Body, Controller, Post, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  addBreadcrumb,
  HudForensics,
  HudModule,
  MemoryExporter,
  setContext,
  setFailure,
  type ForensicsRecord,
  type HudModuleOptions,
} from 'nestjs-hud';
import { startHudContextApp } from './support/hud-context-app.js';
import { gc, heapAfterGc } from './support/heap.js';
import { startHttpApp } from './support/http-app.js';

// A value cut to its limit must own only the characters it keeps: a view into the original
// (what `slice` makes in V8) keeps the whole original alive for as long as the record is
// held, by the inspector and by every exporter's lane.

const MB = 1024 * 1024;
const INVOCATIONS = 200;
const MAX_GROWTH = 30 * MB;

const ONE_MB_OF_A = 'a'.repeat(MB);
const HALF_MB_OF_EUROS = '€'.repeat(MB / 2);

/**
 * A distinct string of one MB on the JavaScript heap, as a parsed request body is (a large
 * `Buffer#toString()` would be an external string, which the heap figures do not count).
 */
function megabyteText(i: number): string {
  return JSON.parse(JSON.stringify(`value-${i}-${ONE_MB_OF_A}`)) as string;
}

/** The same of two-byte characters (`€`), which V8 stores two bytes each. */
function megabyteTwoByteText(i: number): string {
  return JSON.parse(JSON.stringify(`value-${i}-${HALF_MB_OF_EUROS}`)) as string;
}

const OPTIONS: HudModuleOptions = {
  slowThresholdMs: false,
  // the records are held twice: by the inspector's store and by the MemoryExporter
  inspector: { token: 'cut-strings', maxRecords: INVOCATIONS },
};

interface Case {
  name: string;
  /** Runs inside one failing invocation, handing nestjs-hud the value to cut. */
  use: (value: string) => void;
  /** What the record kept of the value, to prove it was kept (cut), not dropped. */
  kept: (record: ForensicsRecord) => string | undefined;
  text?: (i: number) => string;
}

const CASES: Case[] = [
  { name: 'a context value', use: (value) => setContext({ big: value }), kept: (r) => r.context.big as string },
  { name: 'an array item', use: (value) => setContext({ items: ['small', value] }), kept: (r) => (r.context.items as string[])[1] },
  { name: 'a breadcrumb message', use: (value) => addBreadcrumb(value), kept: (r) => r.breadcrumbs?.[0]?.message },
  { name: 'breadcrumb data', use: (value) => addBreadcrumb('step', { big: value }), kept: (r) => r.breadcrumbs?.[0]?.data?.big as string },
  { name: 'a failure reason', use: (value) => setFailure(value), kept: (r) => r.failure?.reason },
  { name: 'a failure reason of two-byte characters', use: (value) => setFailure(value), kept: (r) => r.failure?.reason, text: megabyteTwoByteText },
  {
    name: 'a key too long to keep (named, cut, in dropped)',
    use: (value) => setContext({ [value]: 1 }),
    kept: (r) => r.dropped?.[0]?.key,
  },
];

describe('a cut value keeps nothing of its original alive', () => {
  for (const { name, use, kept, text = megabyteText } of CASES) {
    it(`${name}: ${INVOCATIONS} failing invocations, each with a distinct 1 MB value, grow the heap by less than 30 MB while their records are held`, async (t) => {
      assert.ok(gc, 'the test runner gives --expose-gc');
      const app = await startHudContextApp(OPTIONS);
      try {
        // warm-up: JIT, the lanes, the store's ring
        for (let i = 0; i < 5; i++) await app.fail('warm-up', () => use(text(-i - 1)));
        await app.forensics.flush();
        app.exporter.clear();
        const baseline = await heapAfterGc();
        let growth = 0;
        for (let i = 0; i < INVOCATIONS; i++) {
          await app.fail('cut', () => {
            use(text(i));
            throw new Error('failed with a big value');
          });
          if (i % 50 === 49) {
            await app.forensics.flush();
            growth = (await heapAfterGc()) - baseline;
            // checked on the way: a leak of 1 MB per record fails long before it exhausts the heap
            assert.ok(growth < MAX_GROWTH, `heap grew by ${(growth / MB).toFixed(1)} MB after ${i + 1} invocations`);
          }
        }
        const records = app.exporter.records;
        assert.equal(records.length, INVOCATIONS, 'every invocation was recorded (and is held)');
        const last = kept(records[INVOCATIONS - 1]!);
        assert.ok(last !== undefined && last.length > 100 && last.length <= 1025, `the record kept the cut value (${last?.length} characters)`);
        assert.ok(last.startsWith(`value-${INVOCATIONS - 1}-`), 'the kept part is the beginning of the value');
        t.diagnostic(`${name}: heap growth ${(growth / MB).toFixed(1)} MB with ${INVOCATIONS} records held`);
      } finally {
        await app.close();
      }
    });
  }
});

@Controller('search')
class SearchController {
  @Post()
  search(@Body() body: { q: string }) {
    setContext({ query: body.q });
    throw new Error('search backend down');
  }
}

describe('a cut value from a request body', () => {
  it(`setContext({ query: body.q }) with a 900 KB body: ${INVOCATIONS} failing requests grow the heap by less than 30 MB while their records are held`, async (t) => {
    assert.ok(gc, 'the test runner gives --expose-gc');
    const exporter = new MemoryExporter();
    const running = await startHttpApp(
      'express',
      { imports: [HudModule.forRoot({ ...OPTIONS, exporters: [exporter], rateLimit: false })], controllers: [SearchController] },
      (app: INestApplication) => void (app as NestExpressApplication).useBodyParser('json', { limit: '2mb' }),
    );
    const post = async (i: number) => {
      const body = JSON.stringify({ q: `query-${i}-${'q'.repeat(900 * 1024)}` });
      const response = await fetch(`${running.url}/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await response.arrayBuffer();
      assert.equal(response.status, 500);
    };
    try {
      for (let i = 0; i < 5; i++) await post(-i - 1);
      await running.app.get(HudForensics).flush();
      exporter.clear();
      const baseline = await heapAfterGc();
      let growth = 0;
      for (let i = 0; i < INVOCATIONS; i++) {
        await post(i);
        if (i % 50 === 49) {
          await running.app.get(HudForensics).flush();
          growth = (await heapAfterGc()) - baseline;
          assert.ok(growth < MAX_GROWTH, `heap grew by ${(growth / MB).toFixed(1)} MB after ${i + 1} requests`);
        }
      }
      assert.equal(exporter.records.length, INVOCATIONS);
      const query = exporter.records[INVOCATIONS - 1]!.context.query as string;
      assert.equal(query.length, 1024, 'the query was kept, cut to maxStringLength');
      assert.ok(query.startsWith(`query-${INVOCATIONS - 1}-`));
      t.diagnostic(`900 KB bodies: heap growth ${(growth / MB).toFixed(1)} MB with ${INVOCATIONS} records held`);
    } finally {
      await running.close();
    }
  });
});
