// The shipped Prometheus rules file (docs/nestjs-hud.rules.yml), checked with Debian's promtool
// (installed with prometheus by the test command): its syntax and PromQL, and its behaviour as
// shipped (`for: 2m` included) in simulated time, through test/prometheus/nestjs-hud.rules.test.yml:
// the alerts fire for the regressed version only, with either naming of the histogram, and not
// for versions that fail alike, too little traffic or too few failures.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testService } from './support/test-services.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(testService('HUD_TEST_PROMTOOL'), args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('the shipped Prometheus rules file', () => {
  it('passes promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', join('docs', 'nestjs-hud.rules.yml'));
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: 16 rules found/);
  });

  it('passes its unit tests (promtool test rules): alerts for the regressed version only, in both namings', () => {
    const { status, output } = promtool('test', 'rules', join('test', 'prometheus', 'nestjs-hud.rules.test.yml'));
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/);
  });
});
