import type * as OpenTelemetryApiModule from '@opentelemetry/api';

/** The `@opentelemetry/api` module, when the app has it installed. */
export type OpenTelemetryApi = typeof OpenTelemetryApiModule;

let loading: Promise<OpenTelemetryApi | undefined> | undefined;
let loaded: OpenTelemetryApi | undefined;

/**
 * Loads the optional peer `@opentelemetry/api` once per process. An app without it pays one
 * failed `import()` at start-up and nothing per invocation. The API keeps its state on a
 * global, so this copy agrees with the one the app's SDK registered with.
 */
export function loadOpenTelemetryApi(): Promise<OpenTelemetryApi | undefined> {
  return (loading ??= import('@opentelemetry/api').then(
    (api) => (loaded = api),
    () => undefined,
  ));
}

/** The API once `loadOpenTelemetryApi()` has found it, for code that cannot wait; else `undefined`. */
export function loadedOpenTelemetryApi(): OpenTelemetryApi | undefined {
  return loaded;
}
