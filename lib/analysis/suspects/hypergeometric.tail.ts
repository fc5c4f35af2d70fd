/**
 * The exact one-sided tail of the hypergeometric distribution, for the suspects test: among
 * `total` invocations of which `failures` failed, `drawn` hold a value, `hits` of them
 * failing; how likely are at least `hits` failures among `drawn` invocations picked at random?
 * Written here rather than taken from a library: the one well-kept implementation
 * (@stdlib) brings 167 packages for one function, and this is 40 lines of textbook numerics.
 */

// Lanczos approximation (g = 7, n = 9): about 15 significant digits for x > 0.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x >= 1 (the tail only needs it at counts + 1). */
export function logGamma(x: number): number {
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

export function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** Terms smaller than this share of the sum so far no longer change a double. */
const NEGLIGIBLE = 1e-17;

/**
 * P(X >= hits) for X ~ Hypergeometric(total, failures, drawn). The tail's largest term (at
 * `hits`, or at the mode when `hits` is below it) comes from log-gamma; the others from it by
 * the ratio of consecutive terms, summed outwards while they still count. Starting from the
 * largest term means no term underflows before its share matters, and no 1 - cdf
 * cancellation loses a small tail.
 */
export function hypergeometricUpperTail(total: number, failures: number, drawn: number, hits: number): number {
  const lowest = Math.max(0, drawn + failures - total);
  const highest = Math.min(drawn, failures);
  if (hits <= lowest) return 1;
  if (hits > highest) return 0;
  const mode = Math.min(highest, Math.floor(((drawn + 1) * (failures + 1)) / (total + 2)));
  const start = Math.max(hits, mode);
  const peak = Math.exp(
    logChoose(failures, start) + logChoose(total - failures, drawn - start) - logChoose(total, drawn),
  );
  // pmf(x + 1) / pmf(x)
  const up = (x: number) => ((failures - x) * (drawn - x)) / ((x + 1) * (total - failures - drawn + x + 1));
  let sum = peak;
  let term = peak;
  for (let x = start; x < highest; x++) {
    term *= up(x);
    sum += term;
    if (term < sum * NEGLIGIBLE) break;
  }
  term = peak;
  for (let x = start - 1; x >= hits; x--) {
    term /= up(x);
    sum += term;
    if (term < sum * NEGLIGIBLE) break;
  }
  return Math.min(1, sum);
}

/**
 * P(X = from + j) for j = 0 .. into.length - 1, X ~ Hypergeometric(total, failures, drawn),
 * for counts within [max(0, drawn + failures - total), min(drawn, failures)]. The largest term
 * of the range comes from log-gamma, the others from it by the ratio of consecutive terms,
 * so that terms far from it fade to 0 instead of losing precision.
 */
export function hypergeometricPmf(total: number, failures: number, drawn: number, from: number, into: Float64Array): Float64Array {
  const to = from + into.length - 1;
  const mode = Math.floor(((drawn + 1) * (failures + 1)) / (total + 2));
  const start = Math.min(to, Math.max(from, mode));
  const up = (x: number) => ((failures - x) * (drawn - x)) / ((x + 1) * (total - failures - drawn + x + 1));
  let term = Math.exp(logChoose(failures, start) + logChoose(total - failures, drawn - start) - logChoose(total, drawn));
  into[start - from] = term;
  for (let x = start; x < to; x++) into[x + 1 - from] = term *= up(x);
  term = into[start - from];
  for (let x = start - 1; x >= from; x--) into[x - from] = term /= up(x);
  return into;
}
