// fromUser, fromMetadata and openFeature are validated at boot like every option: a bad one
// fails start-up with a message naming it and what it accepts.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Test } from '@nestjs/testing';
import { HudModule, HudOptions, type HudModuleOptions } from 'nestjs-hud';

async function bootMessage(options: unknown): Promise<string | undefined> {
  try {
    const moduleRef = await Test.createTestingModule({ imports: [HudModule.forRoot(options as HudModuleOptions)] }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    const resolved = moduleRef.get(HudOptions);
    await moduleRef.close();
    return `started: ${JSON.stringify({ openFeature: resolved.openFeature, fromUser: resolved.fromUser, fromMetadata: resolved.fromMetadata })}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe('fromUser, fromMetadata and openFeature options', () => {
  const USER_MESSAGE = /fromUser must map context keys to dot paths of the signed-in user, e\.g\. \{ client_id: 'tenant\.id', user_tier: 'plan' \}/;
  const METADATA_MESSAGE = /fromMetadata must map context keys to header names, e\.g\. \{ client_id: 'x-client-id' \}/;
  const BAD: ReadonlyArray<[string, unknown, RegExp]> = [
    ['fromUser: a string', { fromUser: 'tenant.id' }, USER_MESSAGE],
    ['fromUser: an empty path segment', { fromUser: { client_id: 'tenant..id' } }, USER_MESSAGE],
    ['fromUser: a path through __proto__', { fromUser: { client_id: '__proto__.polluted' } }, USER_MESSAGE],
    ['fromUser: a path through constructor', { fromUser: { client_id: 'constructor.name' } }, USER_MESSAGE],
    ['fromUser: a path that is not a string', { fromUser: { client_id: 42 } }, USER_MESSAGE],
    ['fromUser: an empty key', { fromUser: { '': 'plan' } }, USER_MESSAGE],
    ['fromMetadata: an array', { fromMetadata: ['x-client-id'] }, METADATA_MESSAGE],
    ['fromMetadata: an empty header name', { fromMetadata: { client_id: '' } }, METADATA_MESSAGE],
    ["openFeature: 'yes'", { openFeature: 'yes' }, /openFeature must be true, false or \{ maxFlags \}/],
    ['openFeature.maxFlags: 0', { openFeature: { maxFlags: 0 } }, /openFeature\.maxFlags must be an integer from 1 to 64/],
    ['openFeature.maxFlags: 2.5', { openFeature: { maxFlags: 2.5 } }, /openFeature\.maxFlags must be an integer from 1 to 64/],
    ['a misspelt openFeature option', { openFeature: { maxFlag: 5 } }, /unknown option "openFeature\.maxFlag" \(known options of openFeature: maxFlags\)/],
  ];

  for (const [title, options, message] of BAD) {
    it(`${title} fails start-up`, async () => {
      const text = await bootMessage(options);
      assert.match(text ?? '', /^HudModule: invalid options:/);
      assert.match(text ?? '', message);
    });
  }

  it('valid values start, with their defaults filled in; openFeature: false is off', async () => {
    assert.equal(
      await bootMessage({ fromUser: { client_id: 'tenant.id', tier: 'plan' }, fromMetadata: { client_id: 'x-client-id' }, openFeature: { maxFlags: 5 } }),
      'started: {"openFeature":{"maxFlags":5},"fromUser":{"client_id":"tenant.id","tier":"plan"},"fromMetadata":{"client_id":"x-client-id"}}',
    );
    assert.equal(await bootMessage({ openFeature: true }), 'started: {"openFeature":{"maxFlags":20}}');
    assert.equal(await bootMessage({ openFeature: false }), 'started: {}');
  });
});
