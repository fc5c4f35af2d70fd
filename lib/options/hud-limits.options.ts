import { IsInt, Min } from 'class-validator';

/** Bounds applied to every `set`. Values over a length bound are truncated and reported. */
export class HudLimits {
  /** Most keys one invocation holds; later new keys are dropped and reported. Default: `64`. */
  @IsInt({ message: 'limits.maxKeys must be an integer >= 1' })
  @Min(1, { message: 'limits.maxKeys must be an integer >= 1' })
  maxKeys = 64;

  /** Longest key accepted; longer keys are dropped and reported. Default: `128`. */
  @IsInt({ message: 'limits.maxKeyLength must be an integer >= 1' })
  @Min(1, { message: 'limits.maxKeyLength must be an integer >= 1' })
  maxKeyLength = 128;

  /** Longest string value (also inside arrays); longer ones are truncated and reported. Default: `1024`. */
  @IsInt({ message: 'limits.maxStringLength must be an integer >= 1' })
  @Min(1, { message: 'limits.maxStringLength must be an integer >= 1' })
  maxStringLength = 1024;

  /** Most items of an array value; longer arrays are truncated and reported. Default: `64`. */
  @IsInt({ message: 'limits.maxArrayLength must be an integer >= 1' })
  @Min(1, { message: 'limits.maxArrayLength must be an integer >= 1' })
  maxArrayLength = 64;
}
