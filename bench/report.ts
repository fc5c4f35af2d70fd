/**
 * Prints the table, the targets and the micro-benchmarks of a results file again, with the
 * current summary code: `node .build/bench/report.js bench/results.json [--write]`
 * (`--write` also refreshes the file's summary, targets and tables).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { formatMicro, type MicroResult } from './micro.js';
import { checkTargets, formatTable, formatTargets, summarize, type Measurement } from './summary.js';

const [file, flag] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node .build/bench/report.js <results.json> [--write]');
  process.exit(1);
}
const results = JSON.parse(readFileSync(file, 'utf8')) as {
  settings: { variants: string[]; platforms: string[] };
  machine: { node: string; cpu: string; cores: number };
  measuredTree?: string;
  measurements: Measurement[];
  micro?: MicroResult[];
  [key: string]: unknown;
};
const { variants, platforms } = results.settings;
const rows = summarize(results.measurements, variants, platforms);
const targets = checkTargets(results.measurements, platforms);
const table = formatTable(rows);
console.log(`node ${results.machine.node} · ${results.machine.cpu} × ${results.machine.cores}${results.measuredTree ? ` · ${results.measuredTree}` : ''}\n`);
console.log(table);
console.log(`\n${formatTargets(targets)}`);
if (results.micro && results.micro.length > 0) console.log(`\n${formatMicro(results.micro)}`);
if (flag === '--write') {
  Object.assign(results, { summary: rows, targets, table });
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.error(`report: refreshed ${file}`);
}
