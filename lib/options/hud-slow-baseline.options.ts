import { IsInt, IsNumber, Min, ValidateBy } from 'class-validator';

/**
 * Each invocation name's own latency baseline: once a name has `minSamples` successful
 * invocations in the last `windowMs`, one slower than `max(floorMs, factor × p<quantile>)`
 * is recorded with trigger `duration`, even under `slowThresholdMs`.
 */
export class HudSlowBaselineOptions {
  /** The quantile of the name's recent latencies the rule is based on. Default: `0.99`. */
  @ValidateBy(
    { name: 'isQuantile', validator: { validate: (v) => typeof v === 'number' && v > 0 && v < 1 } },
    { message: 'slowBaseline.quantile must be a number between 0 and 1 (exclusive), e.g. 0.99' },
  )
  quantile = 0.99;

  /** How many times that quantile an invocation must take to be recorded. Default: `3`. */
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'slowBaseline.factor must be a number >= 1' })
  @Min(1, { message: 'slowBaseline.factor must be a number >= 1' })
  factor = 3;

  /** Successful invocations a name needs in the window before the rule applies to it. Default: `200`. */
  @IsInt({ message: 'slowBaseline.minSamples must be an integer >= 1' })
  @Min(1, { message: 'slowBaseline.minSamples must be an integer >= 1' })
  minSamples = 200;

  /** The rule never records an invocation faster than this (ms). Default: `100`. */
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'slowBaseline.floorMs must be a number >= 0' })
  @Min(0, { message: 'slowBaseline.floorMs must be a number >= 0' })
  floorMs = 100;

  /** How far back the baseline looks (ms); it slides in steps of a fifth of it. Default: `900_000` (15 minutes). */
  @IsInt({ message: 'slowBaseline.windowMs must be an integer >= 1000' })
  @Min(1000, { message: 'slowBaseline.windowMs must be an integer >= 1000' })
  windowMs = 900_000;
}
