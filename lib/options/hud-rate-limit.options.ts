import { IsInt, Min } from 'class-validator';

/** Token bucket applied per invocation name. */
export class HudRateLimit {
  /** Records per second refilled into each name's bucket. Default: `10`. */
  @IsInt({ message: 'rateLimit.perSecond must be an integer >= 1' })
  @Min(1, { message: 'rateLimit.perSecond must be an integer >= 1' })
  perSecond = 10;

  /** Records a name may produce at once before the rate applies. Default: `20`. */
  @IsInt({ message: 'rateLimit.burst must be an integer >= 1' })
  @Min(1, { message: 'rateLimit.burst must be an integer >= 1' })
  burst = 20;
}
