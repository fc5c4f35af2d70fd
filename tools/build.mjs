// Builds the package twice from lib/: ESM into dist/ (the package is "type": "module") and
// CommonJS into dist/cjs/, which gets its own package.json saying so. Each build carries its
// own type declarations, so `import` and `require` users each get types that describe the
// code they load. dist/ is emptied first, so a deleted source never ships. Every file under
// lib/ is compiled, so a new entry point (e.g. lib/testing/) is in both builds at once.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Resolves with tsc's exit code; both builds run side by side (they write disjoint folders). */
function compile(project) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

rmSync('dist', { recursive: true, force: true });
const codes = await Promise.all([compile('tsconfig.build.json'), compile('tsconfig.build.cjs.json')]);
const failed = codes.find((code) => code !== 0);
if (failed !== undefined) process.exit(failed);
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
