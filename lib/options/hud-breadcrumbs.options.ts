import { IsBoolean, IsInt, Min, ValidateBy } from 'class-validator';

/** The Nest log levels a log line can have. */
export const NEST_LOG_LEVELS = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'] as const;
export type HudBreadcrumbLevel = (typeof NEST_LOG_LEVELS)[number];

/**
 * Breadcrumbs: what an invocation did before it failed. Kept per invocation, attached to its
 * record only when it is recorded.
 */
export class HudBreadcrumbsOptions {
  /** Most breadcrumbs one invocation keeps; beyond it the oldest are dropped and counted. Default: `50`. */
  @IsInt({ message: 'breadcrumbs.maxEntries must be an integer >= 1' })
  @Min(1, { message: 'breadcrumbs.maxEntries must be an integer >= 1' })
  maxEntries = 50;

  /** Longest message kept; longer ones are cut. Default: `512`. */
  @IsInt({ message: 'breadcrumbs.maxMessageLength must be an integer >= 1' })
  @Min(1, { message: 'breadcrumbs.maxMessageLength must be an integer >= 1' })
  maxMessageLength = 512;

  /**
   * Whether lines written through Nest's `Logger` during an invocation become breadcrumbs,
   * whatever logger the app installed. Default: `true`.
   */
  @IsBoolean({ message: 'breadcrumbs.logger must be true or false' })
  logger = true;

  /** The log levels that become breadcrumbs (Nest's names; pino's `info` is `log`). Default: `['log', 'warn', 'error', 'fatal']`. */
  @ValidateBy(
    {
      name: 'isLogLevelList',
      validator: { validate: (v) => Array.isArray(v) && v.every((level) => (NEST_LOG_LEVELS as readonly unknown[]).includes(level)) },
    },
    { message: `breadcrumbs.levels must be an array of log levels (${NEST_LOG_LEVELS.join(', ')})` },
  )
  levels: HudBreadcrumbLevel[] = ['log', 'warn', 'error', 'fatal'];
}
