// Child process for the NDJSON kill test: appends record batches to argv[2] as fast as it can
// (mode 'load') until it is killed, or writes one batch and shuts down cleanly (mode 'once').
import { NdjsonFileExporter, type ForensicsRecord } from 'nestjs-hud';

const [path, mode] = process.argv.slice(2);
const exporter = new NdjsonFileExporter({ path });
let sequence = 0;

function record(): ForensicsRecord {
  const n = sequence++;
  return {
    id: `${process.pid}-${n}`,
    service: 'kill-test',
    trigger: 'error',
    detectedAt: new Date().toISOString(),
    durationMs: n % 97,
    invocation: { kind: 'http', name: 'POST /orders', http: { method: 'POST', route: '/orders', url: '/orders', statusCode: 500 } },
    // multi-byte text, quotes, newlines and long values: line sizes vary from ~400 bytes to ~4 KB
    error: { name: 'Error', message: `failure ${n}: "quoted"\nsecond line ✓ é`, stack: `Error: failure ${n}\n    at handler (orders.ts:1:1)` },
    context: { client_id: `client-${n % 13}`, note: 'ü✓'.repeat(n % 700), items: [n, n + 1, n + 2] },
  };
}

const batch = (size: number) => Array.from({ length: size }, record);

if (mode === 'once') {
  await exporter.export(batch(5));
  await exporter.shutdown();
} else {
  for (let round = 0; round < 1_000_000; round++) {
    await exporter.export(batch(1 + (round % 40) * 5));
    if (round === 0) process.stdout.write('writing\n');
  }
}
