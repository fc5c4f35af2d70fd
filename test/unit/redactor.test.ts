import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, Redactor } from '../../lib/forensics/redactor.js';

describe('redactor', () => {
  it('matches names ignoring case, "-" and "_", and nothing else', () => {
    const redactor = new Redactor(['api_key', 'Password']);
    for (const key of ['api_key', 'API-KEY', 'apiKey', 'ApiKey', 'a_p_i_k_e_y', 'password', 'PASS_WORD']) {
      assert.equal(redactor.shouldRedact(key), true, key);
    }
    for (const key of ['api_keys', 'my_api_key', 'key', 'passwords', 'pass word']) {
      assert.equal(redactor.shouldRedact(key), false, key);
    }
  });

  it('tests a RegExp against the key as given, the same answer on every call even for /g and /y', () => {
    const redactor = new Redactor([/token$/g, /^Secret/y]);
    const answers = Array.from({ length: 4 }, () => [redactor.shouldRedact('auth_token'), redactor.shouldRedact('Secret_x')]);
    assert.deepEqual(answers, Array.from({ length: 4 }, () => [true, true]), 'a stateful RegExp does not alternate');
    assert.equal(redactor.shouldRedact('secret_x'), false, 'a RegExp is case-sensitive unless it says /i');
    assert.equal(redactor.shouldRedact('token_id'), false);
  });

  it('has no rules when given none, and redacts nothing', () => {
    const redactor = new Redactor([]);
    assert.equal(redactor.isEmpty, true);
    assert.equal(redactor.shouldRedact('password'), false);
    assert.equal(new Redactor(['x']).isEmpty, false);
    assert.equal(new Redactor([/x/]).isEmpty, false);
  });

  it('gives the same answers after it stopped remembering keys (a flood of distinct keys)', () => {
    const redactor = new Redactor(['secret', /^pin_/]);
    for (let i = 0; i < 20_000; i++) redactor.shouldRedact(`key_${i}`);
    assert.equal(redactor.shouldRedact('SECRET'), true);
    assert.equal(redactor.shouldRedact('pin_1'), true);
    assert.equal(redactor.shouldRedact('key_19999'), false);
  });

  it('writes redacted values as "[REDACTED]"', () => {
    assert.equal(REDACTED, '[REDACTED]');
  });
});
