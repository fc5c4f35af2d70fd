import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The versions and machine a result was measured with, written beside it. */
export interface MachineInfo {
  node: string;
  loadGeneratorNode: string;
  cpu: string;
  cores: number;
  os: string;
  memoryGb: number;
  loadAverageAtStart: number[];
  versions: Record<string, string>;
}

const PACKAGES = [
  '@nestjs/core',
  '@nestjs/common',
  '@nestjs/platform-fastify',
  '@nestjs/platform-express',
  'fastify',
  'express',
  'nestjs-cls',
  'rxjs',
  'autocannon',
];

function versionOf(name: string): string {
  try {
    return (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(node: string): MachineInfo {
  const versions: Record<string, string> = {
    'nestjs-hud': (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version,
  };
  for (const name of PACKAGES) versions[name] = versionOf(name);
  return {
    node: execFileSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).trim(),
    loadGeneratorNode: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg().map((load) => Math.round(load * 100) / 100),
    versions,
  };
}
