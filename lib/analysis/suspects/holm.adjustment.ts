/**
 * Holm's step-down adjustment (Holm, 1979) of the p-values of a family of `familySize`
 * hypotheses, of which only `pValues` were computed: the others count as p = 1, ranked last.
 * Giving a hypothesis a larger p-value never adds a rejection, so leaving out those that
 * cannot matter (a value that cannot be a suspect whatever its p-value) keeps the family-wise
 * error rate below the level, whatever the dependence between the tests.
 * Returns the adjusted p-values in the order given.
 */
export function holmAdjust(pValues: readonly number[], familySize: number): number[] {
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a] - pValues[b] || a - b);
  const adjusted = new Array<number>(pValues.length);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (familySize - rank) * pValues[index]));
    adjusted[index] = running;
  });
  return adjusted;
}
