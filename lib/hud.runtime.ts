import { Logger } from '@nestjs/common';
import type { HudContextProblem, HudContextValue, HudInvocationKind } from './context/context-value.types.js';
import { Invocation } from './context/invocation.js';
import { ContextProblemWarnings } from './context/context-problem.warnings.js';
import type { HudOptions } from './hud.options.js';
import { HudForensics } from './forensics/hud-forensics.js';
import type { HudExporter } from './forensics/exporters/hud-exporter.interface.js';
import { Redactor } from './forensics/redactor.js';
import { HUD_ACTIVE_RUNTIME_KEY, HUD_RUNNING_RUNTIMES_KEY } from './hud.constants.js';
import { HudNotes } from './hud.notes.js';
import { HudAnalysis } from './analysis/hud-analysis.js';
import { propagationPlanFor, type PropagationPlan } from './propagation/context.propagation.js';

/** Listens to every accepted `set`, e.g. to mirror values onto a tracing span. */
export type ContextSetListener = (invocation: Invocation, keys: readonly string[], values: readonly HudContextValue[]) => void;

/** Sees every invocation as it starts, e.g. to note the active tracing span. */
export type InvocationStartListener = (invocation: Invocation) => void;

/**
 * Everything one `HudModule` instance needs at run time, reachable from each of its
 * invocations: its options, notes (warn or debug once), the one redactor of its `redact`
 * rules (records, log fields, spans, schema messages), its propagation plan, its analysis
 * and its forensics pipeline. Several apps in one process (tests do this) each have their own.
 */
export class HudRuntime {
  readonly logger = new Logger('Hud');
  /** Every "tell once" of the module, in one bounded memory. */
  readonly notes = new HudNotes(this.logger);
  /**
   * Notes about what other services send in `hud-context`: a budget apart, so that hostile
   * headers (new unknown keys on every request) cannot silence the module's other notes.
   */
  readonly propagationNotes = new HudNotes(this.logger);
  readonly redactor: Redactor;
  /** How context crosses to other services; `null` when propagation is off. */
  readonly propagation: PropagationPlan | null;
  /** What is learnt from every completed invocation: latency baselines, suspects, metrics. */
  readonly analysis: HudAnalysis;
  readonly forensics: HudForensics;
  /** Warnings about bad context: a budget apart, so that bad input cannot silence the others. */
  private readonly problemWarnings = new ContextProblemWarnings(this.logger);
  /** The same for bad `addBreadcrumb()` data, with a budget of its own too. */
  private readonly breadcrumbDataWarnings = new ContextProblemWarnings(this.logger, {
    caller: 'addBreadcrumb data',
    moreHint: '',
    kept: 'The breadcrumb was kept without them.',
    forgottenHint: '',
  });
  private readonly contextSetListeners: ContextSetListener[] = [];
  /** One slot, set only when OpenTelemetry is loaded: without it starting costs one check. */
  private startListener: InvocationStartListener | undefined;

  constructor(
    readonly options: HudOptions,
    exporters: readonly HudExporter[],
  ) {
    this.redactor = new Redactor(options.redact);
    this.propagation = propagationPlanFor(options);
    this.analysis = new HudAnalysis(options, this.redactor, this.notes);
    this.forensics = new HudForensics(options, exporters, { redactor: this.redactor, analysis: this.analysis });
  }

  /** A new invocation; `startedAt` when the work began earlier than now (see `Invocation.continuedAs`). */
  startInvocation(kind: HudInvocationKind, name: string, startedAt?: { at: number; atMs: number }): Invocation {
    const invocation = new Invocation(this, kind, name, startedAt);
    if (this.startListener !== undefined) {
      try {
        this.startListener(invocation);
      } catch (error) {
        this.notes.warn('start-listener', `an invocation start listener threw: ${String(error)}`);
      }
    }
    return invocation;
  }

  setInvocationStartListener(listener: InvocationStartListener | undefined): void {
    this.startListener = listener;
  }

  /**
   * Ends an invocation exactly once: nothing can be written to it afterwards. Then decide
   * (why it deserves a record, if it does), observe (every analysis counts it, before the
   * rate limit) and submit (to the forensics pipeline, when it failed or was slow).
   */
  complete(invocation: Invocation): void {
    const nowMs = performance.now();
    if (!invocation.close(nowMs)) return;
    const trigger = this.analysis.decide(invocation, nowMs);
    this.analysis.observe(invocation, trigger);
    if (trigger !== undefined) this.forensics.submit(invocation, trigger);
    else invocation.breadcrumbs = undefined; // a successful invocation's breadcrumbs are simply dropped
  }

  get hasContextSetListeners(): boolean {
    return this.contextSetListeners.length > 0;
  }

  addContextSetListener(listener: ContextSetListener): void {
    this.contextSetListeners.push(listener);
  }

  onContextSet(invocation: Invocation, keys: readonly string[], values: readonly HudContextValue[]): void {
    for (const listener of this.contextSetListeners) {
      try {
        listener(invocation, keys, values);
      } catch (error) {
        this.notes.warn('context-listener', `a context listener threw: ${String(error)}`);
      }
    }
  }

  warnAboutProblems(problems: readonly HudContextProblem[]): void {
    this.problemWarnings.warn(problems);
  }

  warnAboutBreadcrumbData(problems: readonly HudContextProblem[]): void {
    this.breadcrumbDataWarnings.warn(problems);
  }
}

type GlobalWithRuntime = typeof globalThis & {
  [HUD_ACTIVE_RUNTIME_KEY]?: HudRuntime;
  [HUD_RUNNING_RUNTIMES_KEY]?: HudRuntime[];
};

/**
 * The runtime of the most recently started HudModule still running, for decorators that
 * have no injector and for instances no app registered. Kept on a `Symbol.for` global like
 * the storage, so a decorator from the CommonJS copy of the package finds a module started
 * by the ESM copy (and the reverse). The other copy only uses it by shape (`options`,
 * `startInvocation`, `complete`), never with `instanceof`.
 */
export function getActiveRuntime(): HudRuntime | undefined {
  return (globalThis as GlobalWithRuntime)[HUD_ACTIVE_RUNTIME_KEY];
}

/** The runtimes of the HudModules running now, oldest first (shared by every copy of the package). */
function runningRuntimes(): HudRuntime[] {
  return ((globalThis as GlobalWithRuntime)[HUD_RUNNING_RUNTIMES_KEY] ??= []);
}

/** A HudModule started: its runtime is the active one until another starts. */
export function activateRuntime(runtime: HudRuntime): void {
  const running = runningRuntimes();
  if (!running.includes(runtime)) running.push(runtime);
  (globalThis as GlobalWithRuntime)[HUD_ACTIVE_RUNTIME_KEY] = runtime;
}

/**
 * A HudModule stopped: the active runtime becomes the most recently started one of those
 * still running, so closing one app of several never silences the others.
 */
export function deactivateRuntime(runtime: HudRuntime): void {
  const running = runningRuntimes();
  const index = running.indexOf(runtime);
  if (index !== -1) running.splice(index, 1);
  const global = globalThis as GlobalWithRuntime;
  if (global[HUD_ACTIVE_RUNTIME_KEY] === runtime) global[HUD_ACTIVE_RUNTIME_KEY] = running.at(-1);
}
