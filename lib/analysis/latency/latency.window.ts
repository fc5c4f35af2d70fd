import { LogCollapsingLowestDenseDDSketch } from '@datadog/sketches-js';
import type { HudInvocationKind } from '../../context/context-value.types.js';
import type { HudSlowBaselineOptions } from '../../options/hud-slow-baseline.options.js';

/** The window slides in steps of `windowMs / SUB_WINDOWS`. */
export const SUB_WINDOWS = 5;
/** Quantiles are within 2 % of the true value (DDSketch's guarantee). */
export const RELATIVE_ACCURACY = 0.02;
/**
 * Bins per sketch at most (about 3.7 KB of heap when full): at 2 % accuracy 256 bins span a factor of 20,000 between
 * the fastest and the slowest value kept apart; faster ones share the lowest bin, which
 * leaves the upper quantiles exact.
 */
export const BIN_LIMIT = 256;
/** How old the cached quantiles (and so the baseline threshold) may get before they are recomputed. */
export const REFRESH_MS = 1000;

export type Sketch = LogCollapsingLowestDenseDDSketch;

interface SubWindow {
  /** `floor(time / subWindowMs)` of the sub-window it holds, or -1 when empty. */
  epoch: number;
  sketch: Sketch | undefined;
  failures: number;
}

/** The quantiles of the window at one moment. */
export interface LatencySummary {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  /** The value at `slowBaseline.quantile`. */
  pq: number;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

function newSketch(): Sketch {
  return new LogCollapsingLowestDenseDDSketch({ relativeAccuracy: RELATIVE_ACCURACY, binLimit: BIN_LIMIT });
}

/** A quantile of a sketch, kept within the values seen (a bin's centre can lie just beyond them). */
export function quantileOf(sketch: Sketch, q: number): number {
  return round3(Math.min(sketch.max, Math.max(sketch.min, sketch.getValueAtQuantile(q))));
}

/**
 * The recent latencies of one invocation name: a ring of `SUB_WINDOWS` DDSketches, one per
 * step of the window, merged when read. Successful invocations feed the sketches, failing
 * ones are only counted. The quantiles the hot path needs are cached and recomputed at most
 * once per `REFRESH_MS`, so a request costs one sketch update, never a merge.
 */
export class LatencyWindow {
  /** Successful invocations in the window. */
  samples = 0;
  failures = 0;
  private readonly subWindows: SubWindow[] = [];
  private readonly subWindowMs: number;
  private epoch = -1;
  private cached: (LatencySummary & { at: number }) | undefined;

  constructor(
    readonly kind: HudInvocationKind,
    private readonly settings: HudSlowBaselineOptions,
  ) {
    this.subWindowMs = settings.windowMs / SUB_WINDOWS;
    for (let i = 0; i < SUB_WINDOWS; i++) this.subWindows.push({ epoch: -1, sketch: undefined, failures: 0 });
  }

  /** Counts one completed invocation at `nowMs` (a monotonic clock: `performance.now()`). */
  add(durationMs: number, failed: boolean, nowMs: number): void {
    const epoch = this.slide(nowMs);
    const sub = this.subWindows[epoch % SUB_WINDOWS];
    if (sub.epoch !== epoch) {
      this.clear(sub); // already empty unless the clock went back
      sub.epoch = epoch;
    }
    if (failed) {
      sub.failures++;
      this.failures++;
      return;
    }
    (sub.sketch ??= newSketch()).accept(Math.max(0, durationMs));
    this.samples++;
  }

  /**
   * `max(floorMs, factor × p<quantile>)` once the window holds `minSamples` successful
   * invocations, else `undefined` (the name is too new, or too quiet, to judge by).
   */
  threshold(nowMs: number): number | undefined {
    this.slide(nowMs);
    const { minSamples, floorMs, factor } = this.settings;
    if (this.samples < minSamples) return undefined;
    let summary = this.cached;
    // recomputed at once when the name has just reached minSamples, else at most once per REFRESH_MS
    if (summary === undefined || summary.samples < minSamples || nowMs - summary.at >= REFRESH_MS) summary = this.refresh(nowMs);
    return Math.max(floorMs, factor * summary.pq);
  }

  /** The cached quantiles (refreshed when older than `REFRESH_MS`); `undefined` while there are no samples. */
  summary(nowMs: number): LatencySummary | undefined {
    this.slide(nowMs);
    if (this.samples === 0) return undefined;
    const cached = this.cached;
    return cached !== undefined && nowMs - cached.at < REFRESH_MS ? cached : this.refresh(nowMs);
  }

  /** Quantiles merged afresh from the sub-windows (for reports, which are off the hot path). */
  exactSummary(nowMs: number): LatencySummary | undefined {
    this.slide(nowMs);
    return this.samples === 0 ? undefined : this.refresh(nowMs);
  }

  /**
   * The successful invocations of the current step of the window (`recent`) and of the steps
   * before it (`earlier`), each merged into a fresh sketch (none when empty), to compare them.
   */
  splitRecent(nowMs: number): { recent: Sketch | undefined; earlier: Sketch | undefined } {
    const epoch = this.slide(nowMs);
    let recent: Sketch | undefined;
    let earlier: Sketch | undefined;
    for (const sub of this.subWindows) {
      if (sub.sketch === undefined) continue;
      if (sub.epoch === epoch) (recent ??= newSketch()).merge(sub.sketch);
      else (earlier ??= newSketch()).merge(sub.sketch);
    }
    return { recent, earlier };
  }

  /** The p99 (ms) of each step of the window, oldest first, `undefined` for a step without samples; and a step's length. */
  stepP99s(nowMs: number): { stepMs: number; firstStartMs: number; p99s: Array<number | undefined> } {
    const epoch = this.slide(nowMs);
    const p99s: Array<number | undefined> = [];
    for (let e = epoch - SUB_WINDOWS + 1; e <= epoch; e++) {
      const sub = this.subWindows[((e % SUB_WINDOWS) + SUB_WINDOWS) % SUB_WINDOWS];
      const sketch = sub.epoch === e ? sub.sketch : undefined;
      p99s.push(sketch === undefined || sketch.count === 0 ? undefined : quantileOf(sketch, 0.99));
    }
    return { stepMs: this.subWindowMs, firstStartMs: (epoch - SUB_WINDOWS + 1) * this.subWindowMs, p99s };
  }

  private refresh(nowMs: number): LatencySummary & { at: number } {
    const merged = newSketch();
    for (const sub of this.subWindows) if (sub.sketch !== undefined) merged.merge(sub.sketch);
    const summary = {
      at: nowMs,
      samples: merged.count,
      p50: quantileOf(merged, 0.5),
      p95: quantileOf(merged, 0.95),
      p99: quantileOf(merged, 0.99),
      pq: quantileOf(merged, this.settings.quantile),
    };
    this.cached = summary;
    return summary;
  }

  /** Empties the sub-windows that slid out of the window at `nowMs`; returns the current epoch. */
  private slide(nowMs: number): number {
    const epoch = Math.floor(nowMs / this.subWindowMs);
    if (epoch === this.epoch) return epoch;
    this.epoch = epoch;
    for (const sub of this.subWindows) if (sub.epoch !== -1 && sub.epoch <= epoch - SUB_WINDOWS) this.clear(sub);
    return epoch;
  }

  private clear(sub: SubWindow): void {
    if (sub.epoch === -1) return;
    this.samples -= sub.sketch?.count ?? 0;
    this.failures -= sub.failures;
    sub.epoch = -1;
    sub.sketch = undefined;
    sub.failures = 0;
    this.cached = undefined;
  }
}
