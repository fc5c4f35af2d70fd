// The test side of the real Prometheus test/run.mjs starts (runner/services.mjs): instant
// queries, alerts, and the target and rule files it reads.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testService } from './test-services.js';

export interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  value: string;
}

export class TestPrometheus {
  readonly url = testService('HUD_TEST_PROMETHEUS_URL');
  private readonly targets = testService('HUD_TEST_PROMETHEUS_TARGETS');
  private readonly rules = testService('HUD_TEST_PROMETHEUS_RULES');

  private async api<T>(path: string, init?: RequestInit): Promise<T> {
    const response = await fetch(this.url + path, { ...init, signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  }

  /** An instant query's series; a query Prometheus refuses throws with its error. */
  async query(promql: string): Promise<Series[]> {
    const data = await this.api<{ result: Series[] }>('/api/v1/query', { method: 'POST', body: new URLSearchParams({ query: promql }) });
    return data.result;
  }

  async alerts(): Promise<Alert[]> {
    return (await this.api<{ alerts: Alert[] }>('/api/v1/alerts')).alerts;
  }

  /** Scrapes these `host:port`s (every 1 s) until `removeTargets(name)`. */
  writeTargets(name: string, targets: readonly string[]): void {
    writeFileSync(join(this.targets, `${name}.json`), JSON.stringify([{ targets }]));
  }

  removeTargets(name: string): void {
    rmSync(join(this.targets, `${name}.json`), { force: true });
  }

  /** Loads a rule file (evaluated every 1 s) and waits, bounded, until its groups are in force. */
  async loadRules(name: string, yaml: string, groups: readonly string[]): Promise<void> {
    writeFileSync(join(this.rules, `${name}.yml`), yaml);
    await this.reload();
    await waitUntil('the rule groups to be loaded', 20, 250, async () => {
      const loaded = await this.api<{ groups: Array<{ name: string; file: string }> }>('/api/v1/rules');
      return groups.every((group) => loaded.groups.some((g) => g.name === group && g.file.endsWith(`${name}.yml`)));
    });
  }

  async removeRules(name: string): Promise<void> {
    rmSync(join(this.rules, `${name}.yml`), { force: true });
    await this.reload();
  }

  private async reload(): Promise<void> {
    const response = await fetch(`${this.url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`Prometheus refused to reload: ${response.status} ${await response.text()}`);
  }
}

/** Polls `check` up to `attempts` times, `pauseMs` apart; throws naming `what` when it never holds. */
export async function waitUntil(what: string, attempts: number, pauseMs: number, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`gave up waiting for ${what} after ${attempts} tries`);
}
