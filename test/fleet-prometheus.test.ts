// The fleet against a real Prometheus (Debian's, started by test/run.mjs): three instances of one
// service, two on version 1 and one on version 2, each a process with its own OpenTelemetry SDK
// exposing /metrics. Version 2 fails every call of one tier and is slow for it. Prometheus scrapes
// them every second and evaluates the shipped rules file (docs/nestjs-hud.rules.yml) every second.
// Version 1 is served by @opentelemetry/exporter-prometheus itself (hud_invocation_duration_bucket);
// version 2 as the OpenTelemetry Collector's exporter names it (..._milliseconds_bucket): every
// query and rule must read both.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { HudFleetReport } from 'nestjs-hud';
import type { InstanceConfig } from './support/fleet-instance.child.js';
import { TestPrometheus, waitUntil, type Alert } from './support/prometheus.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const CHILD = join(HERE, 'support', 'fleet-instance.child.js');
const RULES = readFileSync(join(ROOT, 'docs', 'nestjs-hud.rules.yml'), 'utf8');
const DOCS = readFileSync(join(ROOT, 'docs', 'fleet.md'), 'utf8');

/** A service name of this run only: Prometheus outlives the test file (and serves the Node 24 run after). */
const SERVICE = `fleet-test-${process.pid}-${Date.now().toString(36)}`;
const TOKEN = 'fleet-token';
/** The failing tier holds markup: the page must show it as text. */
const TIERS = ['free', '<b>pro</b>', 'enterprise'];
const FAILING_TIER = TIERS[1];

interface Instance {
  child: ChildProcess;
  appUrl: string;
  metricsTarget: string;
}

function startInstance(config: InstanceConfig): Promise<Instance> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`an instance did not start within 30 s:\n${output}`));
    }, 30_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const line = /^(\{.*\})$/m.exec(output)?.[1];
      if (line === undefined) return;
      clearTimeout(timer);
      const { appPort, metricsPort } = JSON.parse(line) as { appPort: number; metricsPort: number };
      resolvePromise({ child, appUrl: `http://127.0.0.1:${appPort}`, metricsTarget: `127.0.0.1:${metricsPort}` });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`an instance exited (${code}) before it listened:\n${output}`));
    });
  });
}

/** One round of calls to one instance: every tier alike, and 1 call in 50 failing on any version. */
async function round(instance: Instance, start: number, calls: number): Promise<void> {
  await Promise.all(
    Array.from({ length: calls }, async (_, i) => {
      const n = start + i;
      const response = await fetch(`${instance.appUrl}/orders${n % 50 === 0 ? '?fail=1' : ''}`, {
        headers: { 'x-user-tier': TIERS[n % TIERS.length] },
      });
      await response.arrayBuffer();
    }),
  );
  const health = await fetch(`${instance.appUrl}/health`);
  await health.arrayBuffer();
}

function ours(alerts: readonly Alert[], name: string, version: string): Alert[] {
  return alerts.filter((a) => a.labels.service_name === SERVICE && a.labels.alertname === name && a.labels.service_version === version);
}

describe('the fleet on a real Prometheus: three instances, version 2 failing for one tier', () => {
  const prometheus = new TestPrometheus();
  const instances: Instance[] = [];
  const started = performance.now();
  let fleet: HudFleetReport;
  let page: string;
  let firingAt: number;

  before(async () => {
    const base = { service: SERVICE };
    instances.push(
      ...(await Promise.all([
        startInstance({ ...base, version: '1', naming: 'exporter', inspector: { token: TOKEN, prometheusUrl: prometheus.url } }),
        startInstance({ ...base, version: '1', naming: 'exporter' }),
        startInstance({ ...base, version: '2', naming: 'collector', failTier: FAILING_TIER, slowTier: { tier: FAILING_TIER, ms: 200 } }),
      ])),
    );
    prometheus.writeTargets(SERVICE, instances.map((i) => i.metricsTarget));
    // The shipped file, except that its alerts fire as soon as they hold instead of after 2
    // minutes (`for: 2m`, which the promtool unit tests check in simulated time).
    const immediate = RULES.replace(/^(\s+)for: 2m$/gm, '$1for: 0s');
    assert.equal(immediate.match(/for: 0s/g)?.length, 2, 'both alerts of the rules file had their `for`');
    await prometheus.loadRules(SERVICE, immediate, ['nestjs-hud']);

    // Traffic until the failure-ratio alert fires for version 2 (every instance gets the same
    // calls); bounded: 120 rounds of about half a second at most.
    let sent = 0;
    await waitUntil('the version regression alert to fire', 120, 0, async () => {
      await Promise.all(instances.map((instance) => round(instance, sent, 24)));
      sent += 24;
      const firing = ours(await prometheus.alerts(), 'HudVersionFailureRatioRegression', '2');
      return firing.some((a) => a.state === 'firing') && ours(await prometheus.alerts(), 'HudVersionLatencyRegression', '2').length > 0;
    });
    firingAt = performance.now();
    const inspector = instances[0].appUrl;
    const fleetResponse = await fetch(`${inspector}/_hud/fleet.json`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(fleetResponse.status, 200);
    fleet = (await fleetResponse.json()) as HudFleetReport;
    page = await (await fetch(`${inspector}/_hud?token=${TOKEN}`)).text();
  });

  after(async () => {
    prometheus.removeTargets(SERVICE);
    await prometheus.removeRules(SERVICE).catch(() => undefined);
    for (const { child } of instances) child.kill('SIGTERM');
    console.log(`fleet test: alert firing ${((firingAt - started) / 1000).toFixed(1)} s after the start, whole file ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });

  it('the rules file\'s alerts fire for version 2 only', async () => {
    const alerts = await prometheus.alerts();
    const failing = ours(alerts, 'HudVersionFailureRatioRegression', '2');
    assert.equal(failing.length, 1);
    assert.equal(failing[0].labels.hud_name, 'GET /orders');
    assert.match(failing[0].annotations.summary, /^GET \/orders fails at least twice as often on version 2/);
    assert.deepEqual(ours(alerts, 'HudVersionFailureRatioRegression', '1'), [], 'version 1 is not a regression');
    assert.equal(ours(alerts, 'HudVersionLatencyRegression', '2')[0]?.labels.hud_name, 'GET /orders', 'version 2 is slow for one tier');
    assert.ok(alerts.filter((a) => a.labels.service_name === SERVICE).every((a) => a.labels.hud_name === 'GET /orders'), 'GET /health is fine on both');
  });

  it('the recording rules give each name, version and tier its failure ratio over every instance', async () => {
    const byVersion = await prometheus.query(`hud_name_version:failure_ratio:5m{service_name="${SERVICE}",hud_name="GET /orders"}`);
    const ratio = (version: string) => Number(byVersion.find((s) => s.metric.service_version === version)?.value[1]);
    // about 0.35 on version 2 (a third of its calls, plus 1 in 50); rate() misses each new series' first
    // increment, which weighs while the series are young, so the bar leaves room below it
    assert.ok(ratio('2') > 0.2 && ratio('1') < 0.1, `version 1: ${ratio('1')}, version 2: ${ratio('2')}`);
    const byTier = await prometheus.query(`hud_name_user_tier:failure_ratio:5m{service_name="${SERVICE}",hud_name="GET /orders"}`);
    const worst = byTier.sort((a, b) => Number(b.value[1]) - Number(a.value[1]))[0];
    assert.equal(worst.metric.hud_context_user_tier, FAILING_TIER);
    const health = await prometheus.query(`hud_name:failure_ratio:5m{service_name="${SERVICE}",hud_name="GET /health"}`);
    assert.equal(health[0]?.value[1], '0', 'a name that never failed has a ratio of 0');
  });

  it('every PromQL query in docs/fleet.md answers, with both namings of the histogram', async () => {
    const queries = [...DOCS.matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => m[1].trim());
    assert.ok(queries.length >= 4, `docs/fleet.md has ${queries.length} PromQL blocks`);
    for (const query of queries) {
      const series = (await prometheus.query(query)).filter((s) => s.metric.service_name === SERVICE);
      assert.ok(series.length > 0, `no series of this service for:\n${query}`);
      if (query.includes('__name__')) {
        const versions = new Set(series.filter((s) => Number.isFinite(Number(s.value[1]))).map((s) => s.metric.service_version));
        assert.deepEqual([...versions].sort(), ['1', '2'], `both namings (version 1 exporter, version 2 Collector) for:\n${query}`);
      }
    }
  });

  it('the histogram carries no context key: 16 bucket series per name, outcome and version, on each instance', async () => {
    const count = async (selector: string) =>
      new Map((await prometheus.query(`count by (instance) (${selector})`)).map((s) => [s.metric.instance, Number(s.value[1])]));
    const buckets = `{__name__=~"hud_invocation_duration(_milliseconds)?_bucket", service_name="${SERVICE}"}`;
    const counters = await count(`hud_invocations_total{service_name="${SERVICE}"}`);
    const bucketSeries = await count(buckets);
    const combinations = await count(`count by (instance, hud_name, hud_outcome, service_version) (hud_invocations_total{service_name="${SERVICE}"})`);
    assert.deepEqual(await prometheus.query(`${buckets.slice(0, -1)}, hud_context_user_tier!=""}`), [], 'no bucket series has a context label');
    for (const { metricsTarget } of instances) {
      assert.equal(bucketSeries.get(metricsTarget), 16 * combinations.get(metricsTarget)!, metricsTarget);
    }
    console.log(`fleet test: series per instance: counter ${[...counters.values()].join(', ')}; buckets ${[...bucketSeries.values()].join(', ')}`);
  });

  it('fleet.json: each name per version, summed over every instance, and the tier the failures hit', () => {
    assert.equal(fleet.error, undefined);
    assert.equal(fleet.service, SERVICE);
    const orders = fleet.names.find((n) => n.name === 'GET /orders')!;
    assert.deepEqual(orders.versions.map((v) => v.version).sort(), ['1', '2']);
    const [v1, v2] = ['1', '2'].map((version) => orders.versions.find((v) => v.version === version)!);
    assert.ok(v1.invocations > v2.invocations, 'two instances run version 1, one runs version 2');
    assert.ok(v2.failureRatio > 0.2 && v1.failureRatio < 0.1, `failure ratios: ${v1.failureRatio}, ${v2.failureRatio}`);
    assert.ok(v1.p99Ms !== undefined && v2.p99Ms !== undefined, 'p99 from both namings of the histogram');
    assert.ok(v2.p99Ms > v1.p99Ms, `p99: ${v1.p99Ms} ms, ${v2.p99Ms} ms`);
    const health = fleet.names.find((n) => n.name === 'GET /health')!;
    assert.equal(health.failures, 0);

    const suspects = fleet.suspects.find((r) => r.name === 'GET /orders')!.suspects;
    assert.deepEqual(suspects.map((s) => [s.key, s.value]), [['user_tier', FAILING_TIER]], 'that tier, and no other');
    assert.ok(suspects[0].relativeRisk >= 1.5 && suspects[0].pValue < 0.01);
    assert.equal(fleet.suspects.find((r) => r.name === 'GET /health'), undefined);
  });

  it('the page shows the Fleet section, values escaped', () => {
    assert.match(page, /<h2 id="hud-fleet">Fleet /);
    assert.match(page, /<td class="mono">2<\/td>/);
    assert.ok(page.includes('user_tier = &lt;b&gt;pro&lt;/b&gt;'), 'the tier as text');
    assert.ok(!page.includes('<b>pro</b>'), 'never as markup');
  });
});
