// context/: the per-invocation store (AsyncLocalStorage), its validation, setContext, breadcrumbs and setFailure.
import { randomUUID } from 'node:crypto';
import { MAX_LISTED_PROBLEMS } from '../hud.constants.js';
import type { HudRuntime } from '../hud.runtime.js';
import type { HudContextProblem, HudContextValue, HudInvocationInfo, HudInvocationKind } from './context-value.types.js';
import type { HeldBreadcrumb } from './breadcrumb.buffer.js';
import type { LatencyVerdict } from '../analysis/latency/latency-verdict.interface.js';

/**
 * Counts microtask checkpoints that followed a completion, so "a microtask after it closed"
 * needs no closure per invocation: a completion notes the current epoch and asks for one
 * shared bump; every completion of the same synchronous run shares that one microtask.
 */
let releaseEpoch = 0;
let bumpQueued = false;
function bumpReleaseEpoch(): void {
  releaseEpoch++;
  bumpQueued = false;
}

/** Transport details a record carries, filled by the binding that started the invocation. */
export interface InvocationDetails {
  http?: { method: string; route: string; url: string; statusCode: number; aborted?: boolean };
  rpc?: { pattern: string; transport?: string };
  job?: { queue?: string; jobId?: string; attempt?: number };
}

/** The live objects of an HTTP invocation, for the HTTP binding only. */
export interface HttpExchange {
  /** The request and response, for `@SetHudContext(fn)` and the record's `http` details. */
  readonly request: unknown;
  readonly response: unknown;
  /** The stream of a `StreamableFile` the handler returned, to note its failure. */
  bodyStream?: unknown;
}

/**
 * The store of one invocation's values: an object whose prototype chain holds no
 * `Object.prototype` (its prototype is a frozen empty object with a null prototype), so no
 * key can pollute or shadow a built-in. Unlike `Object.create(null)`, which V8 keeps in slow
 * dictionary mode, instances stay fast-mode objects: setting and copying keys is cheap.
 */
const ContextValues = function ContextValues() {} as unknown as new () => Record<string, HudContextValue>;
ContextValues.prototype = Object.freeze(Object.create(null));

/**
 * One unit of handled work (a request, a message, a job) and everything recorded about it.
 * It lives in the AsyncLocalStorage for exactly as long as the work runs; once `closed`,
 * writes are ignored and the object is only read by the record builder.
 */
export class Invocation {
  // Every field is given a value here, even `undefined`: the compiler emits no assignment for
  // a field without one, and an object that gains a property later changes shape, which
  // made every invocation that logged or failed measurably dearer on the code it then passes.
  /** The context. No key can reach or shadow `Object.prototype` (see `ContextValues`). */
  readonly values: Record<string, HudContextValue> = new ContextValues();
  /** Whether any stored value is an array, which readers must copy. */
  hasArrays = false;
  keyCount = 0;
  /** The first problems of the invocation's `set` calls (at most `MAX_LISTED_PROBLEMS`)... */
  dropped: HudContextProblem[] | undefined = undefined;
  /** ...and how many there were in all. */
  droppedCount = 0;
  details: InvocationDetails = {};
  /** The first error seen leaving the handler chain, if any. */
  error: unknown = undefined;
  hasError = false;
  /** `setFailure()`'s reason: the invocation failed without throwing. The first one stays. */
  failure: string | undefined = undefined;
  /**
   * Breadcrumbs, a ring of at most `breadcrumbs.maxEntries`: once full, entry
   * `breadcrumbsDropped % maxEntries` is the oldest and is overwritten next.
   */
  breadcrumbs: HeldBreadcrumb[] | undefined = undefined;
  breadcrumbsDropped = 0;
  /** Which slowness rule recorded it, set only for a `duration` record. */
  latency: LatencyVerdict | undefined = undefined;
  /** `@HudSlowThreshold` of the handler, when it has one. */
  slowThresholdMs: number | false | undefined = undefined;
  /** The active span when the invocation started, when OpenTelemetry is in use. */
  trace: { traceId: string; spanId: string } | undefined = undefined;
  /** Set once `@SetHudContext`/`@HudSlowThreshold` of the handler were applied. */
  handlerMetadataApplied = false;
  /** What only an HTTP invocation has, kept by the HTTP binding; `undefined` for the others. */
  exchange: HttpExchange | undefined = undefined;
  private isClosed = false;
  /** The release epoch when it closed (see `released`). */
  private closedInEpoch = -1;
  /** When the work started: `Date.now()` and `performance.now()`. */
  readonly startedAt: number;
  readonly startedAtMs: number;
  private duration = 0;
  /**
   * For a binding that learns the final name late (HTTP: once the request is routed), how to
   * work the name out while the invocation runs, for `info()`.
   */
  nameResolver: ((invocation: Invocation) => string) | undefined = undefined;
  private lazyId: string | undefined = undefined;

  constructor(
    readonly runtime: HudRuntime,
    /** Mutable for one case: GraphQL re-labels the HTTP invocation it runs in (see graphql.naming.ts). */
    public kind: HudInvocationKind,
    public name: string,
    startedAt?: { at: number; atMs: number },
  ) {
    this.startedAt = startedAt?.at ?? Date.now();
    this.startedAtMs = startedAt?.atMs ?? performance.now();
  }

  /**
   * A new invocation of kind `job` named `name`, with this one's context, for work that
   * began inside this invocation (at `at`/`atMs`) and outlived it: what it does from now on
   * can no longer be part of this record.
   */
  continuedAs(name: string, at: number, atMs: number): Invocation {
    const late = this.runtime.startInvocation('job', name, { at, atMs });
    for (const key of Object.keys(this.values)) late.values[key] = this.values[key]!;
    late.keyCount = this.keyCount;
    late.hasArrays = this.hasArrays;
    return late;
  }

  /** Once closed, writes are ignored and the invocation is only read (see `close`). */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Set just after `closed` (a microtask later): from then on not even `hudLogFields()` reads
   * the invocation, so a timer the handler left behind logs without its context.
   */
  get released(): boolean {
    return this.isClosed && this.closedInEpoch !== releaseEpoch;
  }

  /** How long the work took, known once it is closed. */
  get durationMs(): number {
    return this.duration;
  }

  /**
   * Ends the invocation at `nowMs` (`performance.now()`), once: `false` when it already was.
   * Log lines written while the completion runs (pino-http's "request completed", on the same
   * 'finish' event) still carry the context; anything later does not.
   */
  close(nowMs: number): boolean {
    if (this.isClosed) return false;
    this.isClosed = true;
    this.duration = nowMs - this.startedAtMs;
    this.closedInEpoch = releaseEpoch;
    if (!bumpQueued) {
      bumpQueued = true;
      queueMicrotask(bumpReleaseEpoch);
    }
    return true;
  }

  /** Ends the invocation without it being completed: for requests that are nestjs-hud's own. */
  discard(): void {
    this.isClosed = true;
  }

  get id(): string {
    return (this.lazyId ??= randomUUID());
  }

  noteError(error: unknown): void {
    if (!this.hasError) {
      this.hasError = true;
      this.error = error;
    }
  }

  noteProblems(problems: readonly HudContextProblem[]): void {
    const dropped = (this.dropped ??= []);
    for (let i = 0; i < problems.length && dropped.length < MAX_LISTED_PROBLEMS; i++) dropped.push(problems[i]);
    this.droppedCount += problems.length;
  }

  info(): HudInvocationInfo {
    let name = this.name;
    if (name === '' && this.nameResolver !== undefined) {
      try {
        name = this.nameResolver(this);
      } catch {
        // an odd request object must not break the caller
      }
    }
    return { id: this.id, kind: this.kind, name, startedAt: new Date(this.startedAt) };
  }
}
