// Runs a command as its own process group with a time limit: on time-out the whole group
// (the command and everything it started, e.g. the test runner's per-file processes) is
// killed, so no step of the test run can hang it or leave processes behind.
import { spawn } from 'node:child_process';

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs: number, capture?: boolean }} options
 * @returns {Promise<{ code: number, timedOut: boolean, stdout: string, stderr: string }>}
 *   With `capture`, stdout and stderr are collected; otherwise they go to this process's.
 */
export function boundedSpawn(command, args, { cwd, env, timeoutMs, capture = false }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env,
      detached: true,
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    let timedOut = false;
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    // The group is detached from our terminal: pass on an interrupt, then stop.
    const onInterrupt = () => {
      killGroup();
      process.exit(130);
    };
    process.once('SIGINT', onInterrupt);
    process.once('SIGTERM', onInterrupt);
    const finish = (code) => {
      clearTimeout(timer);
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
      resolve({ code: timedOut ? 124 : code, timedOut, stdout, stderr });
    };
    child.on('error', (error) => {
      stderr += String(error);
      finish(127);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

/** How to run npm: the npm that runs this script when there is one, else the one on PATH. */
export function npmCommand() {
  const cli = process.env.npm_execpath;
  return cli && cli.endsWith('.js') ? { command: process.execPath, prefix: [cli] } : { command: 'npm', prefix: [] };
}
