// analysis/latency/: each invocation name's recent latencies (DDSketch windows) and the slowness rule they give.
import { LRUCache } from 'lru-cache';
import type { HudInvocationKind } from '../../context/context-value.types.js';
import type { Invocation } from '../../context/invocation.js';
import type { ForensicsTrigger } from '../../forensics/forensics-record.interface.js';
import type { InvocationObserver } from '../invocation.analysis.js';
import type { HudSlowBaselineOptions } from '../../options/hud-slow-baseline.options.js';
import type { HudLatencyReport } from './hud-latency-report.interface.js';
import { LatencyWindow } from './latency.window.js';

/**
 * Invocation names whose latency is tracked at most; the least recently completed one is
 * forgotten first. A name holds at most SUB_WINDOWS sketches of at most 256 bins: about
 * 20 KB measured (3.7 KB per full sketch), so the whole table stays within about 4 MB
 * whatever names clients choose.
 */
export const MAX_LATENCY_NAMES = 200;

/** Each invocation name's recent latency, fed by every completed invocation. */
export class LatencyBaselines implements InvocationObserver {
  private readonly windows = new LRUCache<string, LatencyWindow>({ max: MAX_LATENCY_NAMES });
  /** The window last asked for: a completed invocation is judged, then counted, by the same name. */
  private lastName: string | undefined;
  private lastWindow: LatencyWindow | undefined;

  constructor(readonly settings: HudSlowBaselineOptions) {}

  /** The window of `name`, created on its first invocation. */
  windowFor(name: string, kind: HudInvocationKind): LatencyWindow {
    if (name === this.lastName) return this.lastWindow!;
    let window = this.windows.get(name);
    if (window === undefined) {
      window = new LatencyWindow(kind, this.settings);
      this.windows.set(name, window);
    }
    this.lastName = name;
    this.lastWindow = window;
    return window;
  }

  /** The window of `name` when it has one, without counting as a use of it. */
  peek(name: string): LatencyWindow | undefined {
    return this.windows.peek(name);
  }

  /** A successful invocation's duration feeds its name's sketch; a failing one is counted beside it. */
  observe(invocation: Invocation, trigger: ForensicsTrigger | undefined): void {
    const nowMs = invocation.startedAtMs + invocation.durationMs;
    this.windowFor(invocation.name, invocation.kind).add(invocation.durationMs, trigger !== undefined && trigger !== 'duration', nowMs);
  }

  /** One report per name with invocations in the window (or only `name`'s), most invocations first. */
  report(name?: string, nowMs = performance.now()): HudLatencyReport[] {
    const reports: HudLatencyReport[] = [];
    const add = (key: string, window: LatencyWindow) => {
      const summary = window.exactSummary(nowMs);
      if (summary === undefined && window.failures === 0) return;
      reports.push({
        name: key,
        kind: window.kind,
        samples: window.samples,
        p50: summary?.p50 ?? NaN,
        p95: summary?.p95 ?? NaN,
        p99: summary?.p99 ?? NaN,
        failures: window.failures,
        windowMs: this.settings.windowMs,
      });
    };
    if (name !== undefined) {
      const window = this.windows.peek(name);
      if (window !== undefined) add(name, window);
    } else {
      for (const [key, window] of this.windows.entries()) add(key, window);
    }
    return reports.sort((a, b) => b.samples + b.failures - (a.samples + a.failures) || (a.name < b.name ? -1 : 1));
  }
}
