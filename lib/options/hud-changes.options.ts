import { IsInt, IsNumber, IsOptional, Min } from 'class-validator';

/**
 * What changed: per invocation name, the recent part of the suspects window (`recentMs`)
 * compared with the rest of it, for the failure rate and the latency. Computed when read,
 * from the counters and sketches the suspects and the latency baseline already keep.
 */
export class HudChangesOptions {
  /**
   * The recent span, in ms, compared with the rest of the window (`suspects.windowMs`): at
   * least a fifteenth of the window (one of its buckets), at most half of it. Default: a
   * fifth of the window (3 minutes of 15).
   */
  @IsOptional()
  @IsInt({ message: 'changes.recentMs must be an integer >= 1000' })
  @Min(1000, { message: 'changes.recentMs must be an integer >= 1000' })
  recentMs: number | undefined = undefined;

  /** How many times the earlier failure rate (or p50, or p99) the recent one must be. Default: `2`. */
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'changes.minRatio must be a number >= 1' })
  @Min(1, { message: 'changes.minRatio must be a number >= 1' })
  minRatio = 2;

  /** Fewest recent failures a rise of the failure rate needs. Default: `5`. */
  @IsInt({ message: 'changes.minFailures must be an integer >= 1' })
  @Min(1, { message: 'changes.minFailures must be an integer >= 1' })
  minFailures = 5;
}
