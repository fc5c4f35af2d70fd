import { ValidateBy } from 'class-validator';

const isKeyList = (v: unknown): v is string[] => Array.isArray(v) && v.every((k) => typeof k === 'string' && k.length > 0);

/** Options of the OpenTelemetry metrics (off unless given). */
export class HudMetricsOptions {
  /**
   * Context keys that become attributes `hud.context.<key>` of the counter `hud.invocations`.
   * Keep it to low-cardinality keys (tier, plan, feature): each key has at most 50 values with
   * a label of their own at a time, the same on every instance (see `values`); the rest, and
   * values over 64 characters, are `'(other)'`. Redacted keys are never attributes. Default: none.
   */
  @ValidateBy(
    { name: 'isKeyList', validator: { validate: isKeyList } },
    { message: "metrics.keys must be an array of context keys (non-empty strings), e.g. ['user_tier', 'feature']" },
  )
  keys: string[] = [];

  /**
   * Which of `keys` the histogram `hud.invocation.duration` carries too. Each histogram series
   * is 18 series in Prometheus (16 buckets, sum and count), so by default it carries none:
   * durations by name, outcome and version. Default: `[]`.
   */
  @ValidateBy(
    {
      name: 'isHistogramKeyList',
      validator: {
        validate: (v, args) => {
          const keys = (args?.object as HudMetricsOptions | undefined)?.keys;
          return isKeyList(v) && Array.isArray(keys) && v.every((k) => keys.includes(k));
        },
      },
    },
    { message: "metrics.histogramKeys must be an array of keys listed in metrics.keys, e.g. ['user_tier']" },
  )
  histogramKeys: string[] = [];

  /**
   * Per key, the only values that keep their own label (the others are `'(other)'`), e.g.
   * `{ user_tier: ['free', 'pro', 'enterprise'] }`: for a key with more than 50 values, the
   * ones you want to see. A key not listed here keeps the 50 values with the lowest stable
   * hash among those seen, which every instance agrees on. Values as the attribute shows them
   * (an array is its items joined with `,`), at most 64 characters. Default: `{}`.
   */
  @ValidateBy(
    {
      name: 'isValueLists',
      validator: {
        validate: (v) =>
          v !== null &&
          typeof v === 'object' &&
          !Array.isArray(v) &&
          Object.values(v).every((list) => Array.isArray(list) && list.every((x) => typeof x === 'string' && x.length <= 64)),
      },
    },
    { message: "metrics.values must map context keys to arrays of values (strings of at most 64 characters), e.g. { user_tier: ['free', 'pro'] }" },
  )
  values: Record<string, string[]> = {};
}
