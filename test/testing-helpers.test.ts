import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { getContext, HudContextService, HudForensics, setContext, type ForensicsRecord } from 'nestjs-hud';
import {
  expectNoRecord,
  expectRecord,
  HudRecordAssertionError,
  HudTestingModule,
  matchesRecord,
  MemoryExporter,
  runInInvocation,
} from 'nestjs-hud/testing';

describe('runInInvocation without any HudModule', () => {
  it('runs the function as an invocation with default options, synchronously', () => {
    const seen = runInInvocation(() => {
      setContext({ client_id: 'acme', bad: { nested: true } as never });
      return getContext();
    });
    assert.deepEqual(seen, { client_id: 'acme' }, 'validated as by default: the bad key is dropped');
    assert.deepEqual(getContext(), {}, 'nothing leaks out of it');
  });
});

@Injectable()
class TierService {
  constructor(
    private readonly hud: HudContextService,
    readonly records: MemoryExporter,
  ) {}

  apply(tier: string): void {
    this.hud.set({ user_tier: tier });
    if (tier === 'enterprise') throw new Error(`no plan for ${tier}`);
  }
}

describe('HudTestingModule', () => {
  let moduleRef: TestingModule;
  let memory: MemoryExporter;
  let tiers: TierService;
  before(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [HudTestingModule.forRoot({ service: 'tiers' })],
      providers: [TierService],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    memory = moduleRef.get(MemoryExporter);
    tiers = moduleRef.get(TierService);
  });
  after(() => moduleRef.close());

  it('provides the MemoryExporter that receives the records, injectable like any provider', async () => {
    assert.equal(tiers.records, memory);
    assert.throws(() => runInInvocation(() => tiers.apply('enterprise'), { kind: 'job', name: 'tiers.apply' }), /no plan/);
    const record = await expectRecord(memory, {
      service: 'tiers',
      trigger: 'error',
      invocation: { kind: 'job', name: 'tiers.apply' },
      context: { user_tier: 'enterprise' },
      error: { message: /no plan for enterprise/ },
    });
    assert.equal(record.error?.name, 'Error');
  });

  it('turns the rate limit off, so every failure of a test is recorded', async () => {
    memory.clear();
    for (let i = 0; i < 30; i++) {
      assert.throws(() => runInInvocation(() => tiers.apply('enterprise'), { name: 'storm' }));
    }
    await moduleRef.get(HudForensics).flush();
    assert.equal(memory.records.filter((r) => r.invocation.name === 'storm').length, 30);
    assert.equal(moduleRef.get(HudForensics).stats().droppedByRateLimit, 0);
  });

  it('runInInvocation returns what the function returns, keeps promises and records nothing for a success', async () => {
    memory.clear();
    const value = runInInvocation(() => {
      tiers.apply('pro');
      return getContext();
    });
    assert.deepEqual(value, { user_tier: 'pro' });
    const later = await runInInvocation(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      tiers.apply('free');
      return getContext().user_tier;
    });
    assert.equal(later, 'free');
    await moduleRef.get(HudForensics).flush();
    expectNoRecord(memory);
  });

  it('expectRecord fails with the closest record and every difference', async () => {
    memory.clear();
    assert.throws(() =>
      runInInvocation(
        () => {
          setContext({ client_id: 'globex', attempt: 2 });
          throw new Error('boom');
        },
        { name: 'orders.create' },
      ),
    );
    const error = await expectRecord(
      memory,
      { invocation: { name: 'orders.create' }, context: { client_id: 'acme', attempt: (n) => Number(n) > 2 } },
      { timeoutMs: 200 },
    ).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof HudRecordAssertionError);
    assert.match(error.message, /no record matched within 200 ms \(1 record\(s\) seen\)/);
    assert.match(error.message, /closest: orders\.create \(trigger error\)/);
    assert.match(error.message, /context\.client_id: expected 'acme', got 'globex'/);
    assert.match(error.message, /context\.attempt: 2 does not satisfy/);
    assert.doesNotMatch(error.message, /invocation\.name/, 'what matched is not listed');
  });

  it('matches lists too, and expectNoRecord names what it found', () => {
    const records = [{ id: '1', trigger: 'status', context: { flags: ['a', 'b'] }, invocation: { kind: 'http', name: 'GET /x' } }] as unknown as ForensicsRecord[];
    assert.equal(matchesRecord(records[0], { context: { flags: ['a', 'b'] } }), true);
    assert.equal(matchesRecord(records[0], { context: { flags: ['a'] } }), false, 'arrays match whole');
    assert.throws(() => expectNoRecord(records, { trigger: 'status' }), /expectNoRecord: 1 record\(s\) matched .*GET \/x/);
    expectNoRecord(records, { trigger: 'error' });
  });
});
