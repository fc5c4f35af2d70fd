// testing/: the nestjs-hud/testing subpath, helpers for the tests of apps that use nestjs-hud.
export { HudTestingModule } from './hud-testing.module.js';
export { runInInvocation } from './run-in-invocation.js';
export type { RunInInvocationOptions } from './run-in-invocation.js';
export { expectRecord, expectNoRecord, matchesRecord, recordMismatches, HudRecordAssertionError } from './record.assertions.js';
export type { ForensicsRecordPattern, RecordPattern, RecordSource } from './record.assertions.js';
export { MemoryExporter } from '../forensics/exporters/memory.exporter.js';
