import { AsyncResource } from 'node:async_hooks';
import { invocationStorage } from '../context/invocation.storage.js';
import type { Invocation } from '../context/invocation.js';
import { loadedOpenTelemetryApi } from '../opentelemetry/opentelemetry-api.loader.js';

/**
 * The async context of this module's loading: outside every request, message and job. Every
 * AsyncLocalStorage of the process (ours, nestjs-pino's, nestjs-cls's, OpenTelemetry's context
 * manager) reads its store from the resource that runs, so work run in this scope sees none
 * of the invocation that happened to trigger it.
 */
const outside = new AsyncResource('nestjs-hud.exports');

/**
 * Runs `fn`, and everything it schedules, outside every invocation: `getContext()` is `{}`,
 * no request's log fields or logger apply, and no request span is active. Exporters run
 * here, as OpenTelemetry's batch processor runs its exporter, so their own log lines, HTTP
 * calls and spans are never attributed to whichever request failed first.
 */
export function runDetached<T>(fn: () => T): T {
  return outside.runInAsyncScope(() =>
    // Also leave our storage explicitly, in case this copy of the package was first loaded
    // inside an invocation; and the OpenTelemetry context, for a context manager that does not
    // follow async resources (the API is only there when the app has it). `run` with no store
    // rather than `exit`: on Node 20, `exit` turns the storage's async hooks off and on again,
    // which re-installs V8's promise hooks on every call.
    invocationStorage.run(undefined as unknown as Invocation, () => {
      const api = loadedOpenTelemetryApi();
      return api === undefined ? fn() : api.context.with(api.ROOT_CONTEXT, fn);
    }),
  );
}
