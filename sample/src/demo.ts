// `npm run demo`: sends the running sample a short burst of traffic that triggers each kind of
// record (error, status, duration; http, rpc and job invocations), then prints a summary of
// what was recorded, read from the sample's NDJSON file, and the suspects: the context values
// over-represented among each route's failures. Start the sample first: `npm start`.
import { readFileSync, statSync } from 'node:fs';
import type { ForensicsRecord, HudSuspectReport } from 'nestjs-hud';

const BASE_URL = process.env.BASE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const RECORDS_FILE = process.env.HUD_RECORDS_FILE ?? 'sample-records.ndjson';
const CLIENTS = ['acme', 'globex', 'initech'];

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function send(method: string, path: string, client: string, body?: unknown): Promise<number> {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { 'x-client-id': client, 'x-user-tier': client === 'acme' ? 'pro' : 'free', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  return response.status;
}

function newRecords(offset: number): ForensicsRecord[] {
  const text = readFileSync(RECORDS_FILE, 'utf8').slice(offset);
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as ForensicsRecord);
}

async function main(): Promise<void> {
  const offset = sizeOf(RECORDS_FILE);
  console.log(`Sending a burst to ${BASE_URL} ...`);
  const requests: Array<Promise<number>> = [];
  for (const [i, client] of CLIENTS.entries()) {
    requests.push(send('POST', '/orders', client, { items: ['a', 'b', 'c'].slice(0, i + 1), express: i === 0 }));
    requests.push(send('GET', '/orders/maintenance', client));
    requests.push(send('POST', `/orders/${i}/refund`, client));
    requests.push(send('GET', '/orders/report', client));
    requests.push(send('POST', '/reservations', client, { sku: `sku-${i}`, quantity: i + 1 }));
    for (let n = 0; n < 3; n++) requests.push(send('POST', `/orders/${i}${n}/ship`, client));
    requests.push(send('GET', `/orders/${i}`, client)); // a fast success: no record
  }
  // 20 invoices per client, the clients' interleaved as real traffic is: initech's fail far more
  // often (the suspect). A client's counts start with its first call, and it is compared with
  // the calls of the others since then.
  for (let n = 0; n < 20; n++) {
    for (const [i, client] of CLIENTS.entries()) requests.push(send('GET', `/orders/${i * 20 + n}/invoice`, client));
  }
  const statuses = await Promise.all(requests);
  console.log(`${statuses.length} requests answered (${statuses.filter((s) => s >= 500).length} with 5xx).`);
  // Records are written just after each invocation; event listeners finish after their request.
  await new Promise((resolve) => setTimeout(resolve, 1500));

  const records = newRecords(offset);
  const rows = new Map<string, { trigger: string; kind: string; name: string; count: number; clients: Set<string> }>();
  for (const record of records) {
    const key = `${record.trigger}|${record.invocation.kind}|${record.invocation.name}`;
    const row = rows.get(key) ?? { trigger: record.trigger, kind: record.invocation.kind, name: record.invocation.name, count: 0, clients: new Set() };
    row.count++;
    if (typeof record.context.client_id === 'string') row.clients.add(record.context.client_id);
    rows.set(key, row);
  }
  const table = [...rows.values()].sort((a, b) => a.trigger.localeCompare(b.trigger) || a.name.localeCompare(b.name));
  console.log(`\n${records.length} records written to ${RECORDS_FILE}:\n`);
  console.table(table.map((r) => ({ trigger: r.trigger, kind: r.kind, name: r.name, records: r.count, clients: [...r.clients].join(', ') })));
  await printSuspects();
  const triggers = new Set(records.map((r) => r.trigger));
  const missing = ['error', 'status', 'duration'].filter((t) => !triggers.has(t as ForensicsRecord['trigger']));
  if (missing.length > 0) {
    console.error(`No record with trigger ${missing.join(', ')}: is the sample running (npm start)?`);
    process.exitCode = 1;
  }
}

/**
 * "GET /orders/:id/invoice: client_id = initech (same as currency = CHF): 14 of 16 failures (88 %),
 * 33 % of calls, 2.6× the average, relative risk 14"
 */
async function printSuspects(): Promise<void> {
  const response = await fetch(`${BASE_URL}/insights/suspects`, { signal: AbortSignal.timeout(10_000) });
  const { reports } = (await response.json()) as { reports: HudSuspectReport[] };
  const percent = (share: number) => `${Math.round(share * 100)} %`;
  console.log('\nSuspects (HudForensics.suspects()): context values over-represented among the failures of a name\n');
  for (const report of reports.filter((r) => r.suspects.length > 0)) {
    for (const s of report.suspects) {
      const same = s.sameAs?.length ? ` (same as ${s.sameAs.map((o) => `${o.key} = ${o.value}`).join(', ')})` : '';
      // JSON has no Infinity: a relative risk with no failure outside the value arrives as null
      const risk = s.relativeRisk === null || s.relativeRisk === Infinity ? '∞' : s.relativeRisk.toFixed(1);
      console.log(
        `  ${report.name}: ${s.key} = ${s.value}${same}: ${s.failures} of ${Math.round(s.failures / s.failureShare)} failures (${percent(s.failureShare)}), ${percent(s.baselineShare)} of calls, ${s.lift.toFixed(1)}× the average, relative risk ${risk} (p ${s.pValue.toExponential(1)})`,
      );
    }
  }
  if (!reports.some((r) => r.suspects.length > 0)) console.log('  none: no context value stands out');
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${String(error)}. Is the sample running? Start it with \`npm start\`.`);
  process.exitCode = 1;
});
