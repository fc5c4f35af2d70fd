import type { Invocation } from '../../context/invocation.js';
import type { LatencyVerdict } from './latency-verdict.interface.js';
import type { LatencyWindow } from './latency.window.js';

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Whether a successful invocation was slow, and by which rule: `@HudSlowThreshold(ms)`
 * replaces both others (`false` disables both); otherwise the lower of `slowThresholdMs`
 * and the name's own baseline (`max(floorMs, factor × p<quantile>)`, once it has
 * `minSamples`) is in force. `undefined` when it was not slow.
 */
export function judgeSlowness(
  invocation: Invocation,
  fixedMs: number | false,
  window: LatencyWindow | undefined,
  nowMs: number,
): LatencyVerdict | undefined {
  const decorated = invocation.slowThresholdMs;
  if (decorated === false) return undefined;
  let thresholdMs: number;
  let basis: LatencyVerdict['basis'];
  if (decorated !== undefined) {
    thresholdMs = decorated;
    basis = 'decorator';
  } else {
    const learned = window?.threshold(nowMs);
    if (learned !== undefined && (fixedMs === false || learned < fixedMs)) {
      thresholdMs = learned;
      basis = 'baseline';
    } else if (fixedMs !== false) {
      thresholdMs = fixedMs;
      basis = 'fixed';
    } else {
      return undefined;
    }
  }
  if (!(invocation.durationMs > thresholdMs)) return undefined;
  const verdict: LatencyVerdict = { thresholdMs: round3(thresholdMs), basis };
  const summary = window?.summary(nowMs);
  if (summary !== undefined) {
    verdict.p50 = summary.p50;
    verdict.p99 = summary.p99;
    verdict.samples = window!.samples;
  }
  return verdict;
}
