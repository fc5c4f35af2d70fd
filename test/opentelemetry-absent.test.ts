import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

it('works unchanged where @opentelemetry/api is not installed: no trace, no error, the exporter a no-op', async () => {
  const register = fileURLToPath(new URL('./support/without-opentelemetry.register.js', import.meta.url));
  const app = fileURLToPath(new URL('./support/without-opentelemetry.app.js', import.meta.url));
  const { stdout } = await run(process.execPath, ['--import', register, app], { timeout: 60_000 });
  const result = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  assert.equal(result.otelImport, 'ERR_MODULE_NOT_FOUND', 'the package really is out of reach');
  assert.equal(result.status, 500);
  assert.equal(result.record.trigger, 'error');
  assert.deepEqual(result.record.context, { client_id: 'acme' });
  assert.equal('trace' in result.record, false);
  assert.equal(result.stats.exporterErrors, 0, 'OpenTelemetryExporter does not fail without the package');
});
