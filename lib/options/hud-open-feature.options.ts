import { IsInt, Max, Min } from 'class-validator';

/** Options of the OpenFeature hook (off unless `openFeature` is given). */
export class HudOpenFeatureOptions {
  /**
   * Flags set into one invocation's context at most (`flag.<flagKey>`); the evaluations of
   * further flags in the same invocation are not recorded. Default: `20`.
   */
  @IsInt({ message: 'openFeature.maxFlags must be an integer from 1 to 64' })
  @Min(1, { message: 'openFeature.maxFlags must be an integer from 1 to 64' })
  @Max(64, { message: 'openFeature.maxFlags must be an integer from 1 to 64' })
  maxFlags = 20;
}
