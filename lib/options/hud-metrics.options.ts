import { ValidateBy } from 'class-validator';

/** Options of the OpenTelemetry metrics (off unless given). */
export class HudMetricsOptions {
  /**
   * Context keys that become attributes `hud.context.<key>` of `hud.invocations` and
   * `hud.invocation.duration`. Keep it to low-cardinality keys (tier, plan, feature): each
   * key has at most 50 distinct values (the rest, and values over 64 characters, are
   * `'(other)'`). Redacted keys are never attributes. Default: none.
   */
  @ValidateBy(
    { name: 'isKeyList', validator: { validate: (v) => Array.isArray(v) && v.every((k) => typeof k === 'string' && k.length > 0) } },
    { message: "metrics.keys must be an array of context keys (non-empty strings), e.g. ['user_tier', 'feature']" },
  )
  keys: string[] = [];
}
