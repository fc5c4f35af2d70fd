/**
 * The real services a test file uses, started by the test command (test/run.mjs) on
 * 127.0.0.1 before any test file runs, and named by environment variables. A file run
 * without them fails with a message saying how to run it, never skips.
 */
export type TestService =
  | 'HUD_TEST_REDIS_URL'
  | 'HUD_TEST_MQTT_URL'
  | 'HUD_TEST_NATS_URL'
  | 'HUD_TEST_RMQ_URL'
  | 'HUD_TEST_CHROMIUM'
  | 'HUD_TEST_PROMETHEUS_URL'
  | 'HUD_TEST_PROMETHEUS_TARGETS'
  | 'HUD_TEST_PROMETHEUS_RULES'
  | 'HUD_TEST_PROMTOOL';

/** The value of `variable`, or a clear error when the file was not run by test/run.mjs. */
export function testService(variable: TestService): string {
  const value = process.env[variable];
  if (value === undefined || value.length === 0) {
    throw new Error(
      `${variable} is not set: this test needs the services test/run.mjs installs and starts. ` +
        'Run it with `node test/run.mjs <part of its path>` (or `npm test`), not with node --test alone.',
    );
  }
  return value;
}

/** Host and port of a `scheme://host:port` service. */
export function hostAndPort(variable: TestService): { host: string; port: number } {
  const url = new URL(testService(variable));
  return { host: url.hostname, port: Number(url.port) };
}
