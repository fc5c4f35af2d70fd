import { IsInt, Min, ValidateBy } from 'class-validator';
import { BAGGAGE_KEY } from '../hud.constants.js';

/** Options of propagation across services (off unless given). */
export class HudPropagationOptions {
  /**
   * Context keys allowed to travel to, and be accepted from, other services. Keys are W3C
   * baggage keys: letters, digits and ``!#$&'*+-.^_`|~``. Default: none (nothing travels).
   */
  @ValidateBy(
    {
      name: 'isKeyList',
      validator: { validate: (v) => Array.isArray(v) && v.every((k) => typeof k === 'string' && BAGGAGE_KEY.test(k)) },
    },
    { message: "propagation.keys must be an array of context keys made of letters, digits and !#$&'*+-.^_`|~" },
  )
  keys: string[] = [];

  /** Longest `hud-context` value sent or read; keys that would exceed it are left out. Default: `4096`. */
  @IsInt({ message: 'propagation.maxHeaderBytes must be an integer >= 64' })
  @Min(64, { message: 'propagation.maxHeaderBytes must be an integer >= 64' })
  maxHeaderBytes = 4096;
}
