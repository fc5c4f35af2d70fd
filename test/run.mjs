// Runs every compiled test file with Node's own test runner, and fails when none is found:
// a run that executes no test must not pass.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const filter = process.argv[2];
const files = findTests('.build/test').filter((f) => !filter || f.includes(filter)).sort();
if (files.length === 0) {
  console.error('test/run.mjs: no test files found under .build/test');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--expose-gc', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
