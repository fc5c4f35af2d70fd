import type { HudSuspect } from './hud-suspect-report.interface.js';
import { holmAdjust } from './holm.adjustment.js';
import { stratifiedUpperTail } from './stratified.tail.js';
import type { ValueSpan } from './value.span.js';

/** The level a suspect's adjusted p-value is below when one name is asked for. */
export const NAME_LEVEL = 0.01;
/**
 * The level when every name is asked for at once (`suspects()`, the inspector): the whole
 * answer is read again and again, every minute, so it is held to a stricter level (see
 * docs/suspects.md for the day-long figures behind it).
 */
export const SERVICE_LEVEL = 0.001;

/** What a value needs to be a suspect. */
export interface SuspectRule {
  minFailures: number;
  minRelativeRisk: number;
  /** The adjusted p-value must be under this. */
  level: number;
}

/** A value tested, and what the test said. */
interface Tested {
  group: number;
  span: ValueSpan;
  relativeRisk: number;
  lift: number;
  /** The exact p-value, or 1 for a value that cannot be a suspect (not computed). */
  p: number;
  adjusted: number;
}

/**
 * Picks the suspects among the value spans of one or more names (`groups`). Tested: every
 * value with at least `minFailures` invocations in a span where the name had at least
 * `minFailures` failures and some invocations without it. Each is compared with the name's
 * other invocations of the same span, bucket by bucket (`stratifiedUpperTail`); its p-value
 * is adjusted with Holm's method for the number of values tested in the family: each group
 * alone (`perGroup`) or all groups together. A suspect has at least `minFailures` failures,
 * a relative risk of at least `minRelativeRisk` and an adjusted p-value under `level`. The
 * p-value is computed only for values that could be suspects (enough failures, enough
 * relative risk, more failures than its buckets predict); the others count in the family
 * with p = 1, which can only make the adjustment stricter.
 *
 * Returns, per group, its suspects most suspicious first (adjusted p-value, then relative
 * risk, then failures), values with identical counts bucket by bucket folded into the
 * first seen (`sameAs`).
 */
export function scoreSuspects(groups: ReadonlyArray<readonly ValueSpan[]>, rule: SuspectRule, perGroup: boolean): HudSuspect[][] {
  const families: Tested[][] = perGroup ? groups.map(() => []) : [[]];
  const sizes = families.map(() => 0);
  groups.forEach((spans, group) => {
    const family = perGroup ? group : 0;
    for (const span of spans) {
      const { invocations: n, failures: x, spanInvocations: total, spanFailures: failing } = span;
      if (n < rule.minFailures || failing < rule.minFailures || n >= total) continue;
      sizes[family]++;
      const rest = (failing - x) / (total - n);
      const relativeRisk = rest === 0 ? (x > 0 ? Infinity : 0) : x / n / rest;
      const lift = x / n / (failing / total);
      if (x < rule.minFailures || relativeRisk < rule.minRelativeRisk || x <= span.expectedFailures) continue;
      families[family].push({ group, span, relativeRisk, lift, p: stratifiedUpperTail(span, x), adjusted: 1 });
    }
  });
  const found: HudSuspect[][] = groups.map(() => []);
  families.forEach((family, index) => {
    const adjusted = holmAdjust(
      family.map((t) => t.p),
      sizes[index],
    );
    family.forEach((tested, i) => {
      tested.adjusted = adjusted[i];
    });
    const suspects = family.filter((t) => t.adjusted < rule.level);
    suspects.sort((a, b) => a.adjusted - b.adjusted || b.relativeRisk - a.relativeRisk || b.span.failures - a.span.failures);
    for (const { tested, same } of foldIdentical(suspects)) found[tested.group].push(toSuspect(tested, same));
  });
  return found;
}

/**
 * Values with identical counts bucket by bucket over the same span, as one entry: the first
 * seen, with the others in `sameAs`. Entries keep the order of `suspects`.
 */
function foldIdentical(suspects: readonly Tested[]): Array<{ tested: Tested; same: Tested[] }> {
  const bySignature = new Map<string, Tested[]>();
  for (const tested of suspects) {
    const { span } = tested;
    const signature = `${tested.group}|${span.total.join(',')}|${span.failing.join(',')}|${span.drawn.join(',')}|${span.hit.join(',')}`;
    const same = bySignature.get(signature);
    if (same === undefined) bySignature.set(signature, [tested]);
    else same.push(tested);
  }
  return [...bySignature.values()].map((same) => {
    same.sort((a, b) => a.span.admittedAtMs - b.span.admittedAtMs); // stable: on a tie, the order of the keys
    return { tested: same[0], same: same.slice(1) };
  });
}

function toSuspect(tested: Tested, same: readonly Tested[]): HudSuspect {
  const { span } = tested;
  const suspect: HudSuspect = {
    key: span.key,
    value: span.value,
    failures: span.failures,
    invocations: span.invocations,
    failureShare: span.failures / span.spanFailures,
    baselineShare: span.invocations / span.spanInvocations,
    lift: tested.lift,
    relativeRisk: tested.relativeRisk,
    pValue: tested.adjusted,
  };
  if (span.sinceMs !== undefined) suspect.since = new Date(performance.timeOrigin + span.sinceMs).toISOString();
  if (same.length > 0) suspect.sameAs = same.map((t) => ({ key: t.span.key, value: t.span.value }));
  return suspect;
}
