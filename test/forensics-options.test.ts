import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsBoolean, IsDefined, IsIn, IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { Logger } from '@nestjs/common';
import { getContext, HudContextValidationError, LoggerExporter, setContext, setFailure, type ForensicsRecord } from 'nestjs-hud';
import { startHudContextApp } from './support/hud-context-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('redact', () => {
  it('records matching keys as [REDACTED]: names case-insensitively ignoring - and _, RegExps (also /g) as given', async () => {
    const app = await startHudContextApp({ redact: ['authorization', 'api_key', /secret/i, /token$/g] });
    try {
      let seenInHandler: unknown;
      await app.fail('login', () => {
        setContext({
          Authorization: 'Bearer abc',
          AUTHORIZATION: 'b',
          author_ization: 'c',
          'Author-Ization': 'd',
          apikey: 'e',
          'API-KEY': 'f',
          client_secret: 'g',
          SecretSauce: 'h',
          // a /g RegExp keeps lastIndex between tests: the second and third keys prove it is reset
          refresh_token: 'i',
          access_token: 'j',
          id_token: 'k',
          tokens_used: 5,
          authorized: true,
          client_id: 'acme',
        });
        seenInHandler = getContext().Authorization;
        throw new Error('login failed');
      });
      const record = await app.exporter.waitFor((r) => r.invocation.name === 'login');
      assert.deepEqual(record.context, {
        Authorization: '[REDACTED]',
        AUTHORIZATION: '[REDACTED]',
        author_ization: '[REDACTED]',
        'Author-Ization': '[REDACTED]',
        apikey: '[REDACTED]',
        'API-KEY': '[REDACTED]',
        client_secret: '[REDACTED]',
        SecretSauce: '[REDACTED]',
        refresh_token: '[REDACTED]',
        access_token: '[REDACTED]',
        id_token: '[REDACTED]',
        tokens_used: 5,
        authorized: true,
        client_id: 'acme',
      });
      assert.equal(seenInHandler, 'Bearer abc', 'redaction applies to records, not to the running invocation');
      assert.equal(JSON.stringify(app.exporter.records).includes('Bearer abc'), false);
    } finally {
      await app.close();
    }
  });
});

describe('beforeRecord', () => {
  it('can change a record before every exporter sees it: the card-scrubbing hook of docs/exporters.md leaves the number nowhere', async () => {
    // the hook as docs/exporters.md shows it
    const CARD_NUMBER = /\d{12,19}/g;
    const scrub = (text: string) => text.replace(CARD_NUMBER, '[card]');
    const app = await startHudContextApp({
      exporters: [new LoggerExporter()], // records are logged too: the number must not be there either
      beforeRecord: (record) => {
        if (record.error) {
          record.error.message = scrub(record.error.message);
          if (record.error.stack) record.error.stack = scrub(record.error.stack);
        }
        if (record.failure) record.failure.reason = scrub(record.failure.reason);
        for (const crumb of record.breadcrumbs ?? []) crumb.message = scrub(crumb.message);
        record.context.region = 'eu-west-1';
        return record;
      },
    });
    try {
      for (const name of ['charge', 'refund', 'capture']) {
        await app.fail(name, () => {
          setContext({ client_id: 'acme' });
          new Logger('Payments').warn('charging card 4242424242424242');
          setFailure('card 4242424242424242 flagged');
          throw new Error('card 4242424242424242 declined');
        });
      }
      await app.forensics.flush();
      assert.equal(app.exporter.records.length, 3);
      for (const record of app.exporter.records) {
        assert.deepEqual(record.context, { client_id: 'acme', region: 'eu-west-1' });
        assert.equal(record.error?.message, 'card [card] declined');
        assert.match(record.error?.stack ?? '', /^Error: card \[card\] declined\n/);
        assert.doesNotMatch(JSON.stringify(record), /4242424242424242/, 'the number is in no part of the exported record');
      }
      assert.equal(app.logger.matching('error', '[card]').length, 3, 'the LoggerExporter logged the three records');
      assert.equal(app.logger.matching('error', '4242424242424242').length, 0, 'without the number');
    } finally {
      await app.close();
    }
  });

  it('drops a record it returns null for, counted in droppedByHook', async () => {
    const app = await startHudContextApp({ beforeRecord: (record) => (record.invocation.name === 'noisy' ? null : record) });
    try {
      await app.fail('noisy', () => { throw new Error('expected noise'); });
      await app.fail('noisy', () => { throw new Error('expected noise'); });
      await app.fail('real', () => { throw new Error('real failure'); });
      await app.forensics.flush();
      assert.deepEqual(app.exporter.records.map((r) => r.invocation.name), ['real']);
      const stats = app.forensics.stats();
      assert.equal(stats.droppedByHook, 2);
      assert.equal(stats.recorded, 1);
    } finally {
      await app.close();
    }
  });

  it('a hook that throws is logged once, and every record is exported as it was, even if the hook changed it first', async () => {
    let calls = 0;
    const app = await startHudContextApp({
      beforeRecord: (record) => {
        calls++;
        record.context.client_id = 'changed-by-hook';
        delete record.error;
        throw new Error('hook bug');
      },
    });
    try {
      for (let i = 0; i < 3; i++) {
        await app.fail('checkout', () => {
          setContext({ client_id: `client-${i}` });
          throw new Error(`failure ${i}`);
        });
      }
      await app.forensics.flush();
      assert.equal(calls, 3);
      const records = app.exporter.records;
      assert.deepEqual(records.map((r) => r.context), [{ client_id: 'client-0' }, { client_id: 'client-1' }, { client_id: 'client-2' }]);
      assert.deepEqual(records.map((r) => r.error?.message), ['failure 0', 'failure 1', 'failure 2']);
      assert.equal(app.forensics.stats().recorded, 3);
      const logged = app.logger.matching('error', 'beforeRecord threw');
      assert.equal(logged.length, 1, 'logged once, not once per record');
      assert.match(logged[0].message, /hook bug/);
    } finally {
      await app.close();
    }
  });

  it('a hook that returns a Promise is reported and the record kept as it was', async () => {
    const app = await startHudContextApp({
      beforeRecord: (async (record: ForensicsRecord) => record) as unknown as (record: ForensicsRecord) => ForensicsRecord,
    });
    try {
      await app.fail('async-hook', () => {
        setContext({ step: 'pay' });
        throw new Error('x');
      });
      const record = await app.exporter.waitFor((r) => r.invocation.name === 'async-hook');
      assert.deepEqual(record.context, { step: 'pay' });
      assert.equal(typeof (record as unknown as { then?: unknown }).then, 'undefined');
      assert.equal(app.logger.matching('error', 'synchronously').length, 1);
    } finally {
      await app.close();
    }
  });
});

describe('rateLimit', () => {
  it('is a token bucket per invocation name: records above it are counted, not built, and other names are unaffected', async () => {
    let built = 0;
    const app = await startHudContextApp({
      rateLimit: { perSecond: 1, burst: 3 },
      beforeRecord: (record) => {
        built++;
        return record;
      },
    });
    try {
      const started = performance.now();
      for (let i = 0; i < 12; i++) await app.fail('storm', () => { throw new Error(`storm ${i}`); });
      const elapsedSeconds = (performance.now() - started) / 1000;
      await app.fail('calm', () => { throw new Error('calm 1'); });
      await app.fail('calm', () => { throw new Error('calm 2'); });
      await app.forensics.flush();

      const storm = app.exporter.records.filter((r) => r.invocation.name === 'storm').length;
      // the burst, plus at most one token per second that passed (perSecond: 1)
      assert.ok(storm >= 3 && storm <= 3 + Math.ceil(elapsedSeconds), `storm records: ${storm} in ${elapsedSeconds}s`);
      assert.equal(app.exporter.records.filter((r) => r.invocation.name === 'calm').length, 2);
      const stats = app.forensics.stats();
      assert.equal(stats.droppedByRateLimit, 12 - storm);
      assert.equal(stats.recorded, storm + 2);
      assert.equal(built, storm + 2, 'suppressed records are never built (the hook sees only the recorded ones)');
    } finally {
      await app.close();
    }
  });

  it('refills over time', async () => {
    const app = await startHudContextApp({ rateLimit: { perSecond: 20, burst: 1 } });
    try {
      await app.fail('refill', () => { throw new Error('1'); });
      await app.fail('refill', () => { throw new Error('2'); }); // same instant: over the burst
      await sleep(250); // 20/s: a token is back after 50 ms
      await app.fail('refill', () => { throw new Error('3'); });
      await app.forensics.flush();
      const messages = app.exporter.records.map((r) => r.error?.message);
      assert.ok(messages.includes('1') && messages.includes('3'), `recorded: ${messages.join(', ')}`);
      assert.equal(app.forensics.stats().recorded + app.forensics.stats().droppedByRateLimit, 3);
    } finally {
      await app.close();
    }
  });
});

class CheckoutContext {
  @IsOptional()
  @IsIn(['free', 'pro'])
  user_tier?: 'free' | 'pro';

  @IsInt()
  @Min(0)
  order_items!: number;

  @IsString()
  @Length(3, 20)
  client_id!: string;

  /** @IsDefined ignores skipMissingProperties: a set without this key must still pass. */
  @IsDefined()
  @IsBoolean()
  express!: boolean;
}

describe('contextSchema', () => {
  it('checks typed keys and enums, only the keys of the call, allows undeclared keys, and drops failing keys with a reason', async () => {
    const app = await startHudContextApp({ contextSchema: CheckoutContext });
    try {
      await app.fail('checkout', () => {
        setContext({ client_id: 'acme', user_tier: 'gold', order_items: 3, feature: 'checkout-v2' });
        app.hud.set('order_items', 'three' as unknown as number);
        app.hud.set({ user_tier: 'pro' });
        throw new Error('payment gateway timeout');
      });
      const record = await app.exporter.waitFor((r) => r.invocation.name === 'checkout');
      assert.deepEqual(record.context, { client_id: 'acme', order_items: 3, feature: 'checkout-v2', user_tier: 'pro' });
      assert.deepEqual(
        record.dropped?.map((p) => p.key),
        ['user_tier', 'order_items'],
        'express (declared @IsDefined, never set) is not reported',
      );
      assert.match(record.dropped![0].reason, /contextSchema: .*user_tier must be one of the following values: free, pro/);
      assert.match(record.dropped![1].reason, /contextSchema: .*order_items must be an integer/);
      assert.equal(app.logger.matching('warn', '"user_tier"').length, 1, 'the dropped key is named in a warning');
    } finally {
      await app.close();
    }
  });

  it('in strict mode throws HudContextValidationError naming the failing keys and stores nothing of that call', async () => {
    const app = await startHudContextApp({ contextSchema: CheckoutContext, strict: true });
    try {
      let thrown: unknown;
      let after: unknown;
      await app.hud.run('strict-checkout', () => {
        try {
          setContext({ client_id: 'acme', user_tier: 'gold' });
        } catch (error) {
          thrown = error;
        }
        setContext({ user_tier: 'free', express: false });
        after = getContext();
      });
      assert.ok(thrown instanceof HudContextValidationError);
      assert.deepEqual(thrown.problems.map((p) => p.key), ['user_tier']);
      assert.match(thrown.message, /user_tier/);
      assert.deepEqual(after, { user_tier: 'free', express: false });
    } finally {
      await app.close();
    }
  });
});

describe('slowness (slowThresholdMs)', () => {
  it('records a success slower than slowThresholdMs with trigger duration, and none when it is false', async () => {
    const slow = await startHudContextApp({ slowThresholdMs: 40 });
    const off = await startHudContextApp({ slowThresholdMs: false });
    try {
      const result = await slow.hud.run('nightly-report', async () => {
        setContext({ rows: 10 });
        await sleep(150);
        return 'done';
      });
      assert.equal(result, 'done');
      const record = await slow.exporter.waitFor((r) => r.invocation.name === 'nightly-report');
      assert.equal(record.trigger, 'duration');
      assert.ok(record.durationMs >= 40, `durationMs ${record.durationMs}`);
      assert.deepEqual(record.context, { rows: 10 });

      await slow.hud.run('quick', () => 'fast');
      await off.hud.run('nightly-report', async () => sleep(150));
      await slow.forensics.flush();
      await off.forensics.flush();
      assert.deepEqual(slow.exporter.records.map((r) => r.invocation.name), ['nightly-report']);
      assert.equal(off.exporter.records.length, 0);
    } finally {
      await slow.close();
      await off.close();
    }
  });
});
