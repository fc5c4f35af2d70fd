import { seededRandom } from '../reliability/support/random.js';

export const FLAGS: readonly string[] = ['beta', 'dark-mode', 'new-checkout'];
export const CLIENTS = Array.from({ length: 50 }, (_, i) => `client-${String(i).padStart(2, '0')}`);

/** One request of the generated traffic, and whether it is to fail. */
export interface TrafficItem {
  user_tier: 'pro' | 'free';
  client_id: string;
  flags: string[];
  fail: boolean;
}

export interface TrafficModel {
  /** Share of requests from pro users. */
  proShare: number;
  /** Failure rate of a tier, averaged over flags. */
  failureRate: (tier: 'pro' | 'free') => number;
  /** The flag whose presence doubles the failure rate, if any. */
  doublingFlag?: string;
  /** Chance each flag is on, independently. */
  flagShare: number;
}

/**
 * Seeded traffic: a tier, a client drawn uniformly from 50 (unrelated to failure), each flag on
 * independently, and a failure drawn from the model. With a doubling flag the rate without it
 * is scaled so that each tier's average stays `failureRate(tier)`.
 */
export function generateTraffic(seed: number, count: number, model: TrafficModel): TrafficItem[] {
  const random = seededRandom(seed);
  const items: TrafficItem[] = [];
  for (let i = 0; i < count; i++) {
    const user_tier = random() < model.proShare ? 'pro' : 'free';
    const client_id = CLIENTS[Math.floor(random() * CLIENTS.length)];
    const flags = FLAGS.filter(() => random() < model.flagShare);
    let rate = model.failureRate(user_tier);
    if (model.doublingFlag !== undefined) {
      rate = (rate / (1 + model.flagShare)) * (flags.includes(model.doublingFlag) ? 2 : 1);
    }
    items.push({ user_tier, client_id, flags, fail: random() < rate });
  }
  return items;
}

/** Invocations and failures among the items holding a value (for flags: one of the items). */
export function tally(items: readonly TrafficItem[], holds: (item: TrafficItem) => boolean): { invocations: number; failures: number } {
  const matching = items.filter(holds);
  return { invocations: matching.length, failures: matching.filter((item) => item.fail).length };
}
