import { Logger } from '@nestjs/common';
import { currentInvocation } from '../context/invocation.storage.js';
import { HUD_CONTEXT_HEADER } from './hud-context.codec.js';
import { outboundHudContext } from './context.propagation.js';

/** The part of a Nest 12 `ClientProxy` propagation uses: the hook run on each outgoing packet. */
interface DispatchHookHost {
  onDispatchHook?: (packet: OutgoingPacket) => void;
  setOnDispatchHook?(hook: (packet: OutgoingPacket) => void): void;
}

interface OutgoingPacket {
  metadata?: Record<string, string>;
}

const PROPAGATING = Symbol.for('nestjs-hud.propagating-client');
let warnedUnsupported = false;

/**
 * Makes a microservice client send the current invocation's allow-listed context
 * (`propagation.keys`) with every message and event, as packet metadata under `hud-context`.
 * The receiving service's interceptor reads it into the new invocation. The payload is not
 * touched. Works with the transports that carry packet metadata (TCP and Redis in Nest 12);
 * a hook set on the client before is kept and runs first. Idempotent; returns the client.
 *
 * @example
 * constructor(@Inject('BILLING') client: ClientProxy) {
 *   this.billing = withHudPropagation(client);
 * }
 * @publicApi
 */
export function withHudPropagation<T extends object>(client: T): T {
  const host = client as T & DispatchHookHost & { [PROPAGATING]?: true };
  if (host[PROPAGATING]) return client;
  if (typeof host.setOnDispatchHook !== 'function') {
    if (!warnedUnsupported) {
      warnedUnsupported = true;
      new Logger('Hud').warn(
        'withHudPropagation: this client has no setOnDispatchHook (it needs @nestjs/microservices 12): context is not propagated',
      );
    }
    return client;
  }
  const previous = host.onDispatchHook;
  host.setOnDispatchHook((packet) => {
    previous?.call(host, packet);
    let header: string | undefined;
    try {
      header = outboundHudContext(currentInvocation());
    } catch {
      return; // propagation must never break the app's message
    }
    if (header !== undefined) packet.metadata = { ...packet.metadata, [HUD_CONTEXT_HEADER]: header };
  });
  Object.defineProperty(host, PROPAGATING, { value: true });
  return client;
}
