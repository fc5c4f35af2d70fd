import { IsInt, IsNumber, IsOptional, Min, ValidateBy } from 'class-validator';

const isKeyList = (v: unknown) => Array.isArray(v) && v.every((k) => typeof k === 'string' && k.length > 0);

/**
 * What the suspects analysis counts, and its bounds. Every completed invocation is counted
 * per name and per context value in a sliding window, so `HudForensics.suspects()` can say
 * which values are over-represented among the failures (and the slow invocations) of a name.
 */
export class HudSuspectsOptions {
  /** The context keys counted. Default: every key, the first `maxKeys` seen per name. */
  @IsOptional()
  @ValidateBy(
    { name: 'isKeyList', validator: { validate: isKeyList } },
    { message: "suspects.keys must be an array of context keys (non-empty strings), e.g. ['user_tier', 'client_id']" },
  )
  keys: string[] | undefined = undefined;

  /** Most keys counted per invocation name (the first seen, or `keys`). Default: `16`. */
  @IsInt({ message: 'suspects.maxKeys must be an integer >= 1' })
  @Min(1, { message: 'suspects.maxKeys must be an integer >= 1' })
  maxKeys = 16;

  /** Most distinct values counted per key; the least frequent others count as `'(other)'`. Default: `20`. */
  @IsInt({ message: 'suspects.maxValuesPerKey must be an integer >= 1' })
  @Min(1, { message: 'suspects.maxValuesPerKey must be an integer >= 1' })
  maxValuesPerKey = 20;

  /** Most invocation names counted; the least recently seen is forgotten first. Default: `200`. */
  @IsInt({ message: 'suspects.maxNames must be an integer >= 1' })
  @Min(1, { message: 'suspects.maxNames must be an integer >= 1' })
  maxNames = 200;

  /** The sliding window counts are kept for, in ms (15 buckets of a fifteenth each). Default: `900_000` (15 min). */
  @IsInt({ message: 'suspects.windowMs must be an integer >= 1000' })
  @Min(1000, { message: 'suspects.windowMs must be an integer >= 1000' })
  windowMs = 900_000;

  /** Fewest failures (or slow invocations) a value needs to be a suspect. Default: `5`. */
  @IsInt({ message: 'suspects.minFailures must be an integer >= 1' })
  @Min(1, { message: 'suspects.minFailures must be an integer >= 1' })
  minFailures = 5;

  /**
   * Least relative risk a suspect needs: its failure rate over the failure rate of the name's
   * invocations without it, over the same span. Default: `1.5`.
   */
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'suspects.minRelativeRisk must be a number >= 1' })
  @Min(1, { message: 'suspects.minRelativeRisk must be a number >= 1' })
  minRelativeRisk = 1.5;
}
