import { currentInvocation } from '../context/invocation.storage.js';
import { HUD_CONTEXT_HEADER } from './hud-context.codec.js';
import { outboundHudContext } from './context.propagation.js';
import { addMetadataOnSerialize } from './packet-metadata.fallback.js';

/** The part of a Nest 12 `ClientProxy` propagation uses: the hook run on each outgoing packet. */
interface DispatchHookHost {
  onDispatchHook?: (packet: OutgoingPacket) => void;
  setOnDispatchHook?(hook: (packet: OutgoingPacket) => void): void;
}

interface OutgoingPacket {
  metadata?: Record<string, string>;
}

const PROPAGATING = Symbol.for('nestjs-hud.propagating-client');

/** The current invocation's `hud-context` value; never throws into the app's message. */
function outbound(): string | undefined {
  try {
    return outboundHudContext(currentInvocation());
  } catch {
    return undefined;
  }
}

/**
 * Makes a microservice client send the current invocation's allow-listed context
 * (`propagation.keys`) with every message and event, as packet metadata under `hud-context`.
 * The receiving service's interceptor reads it into the new invocation. The payload is not
 * touched. Works with the transports that carry packet metadata: TCP and Redis with
 * `@nestjs/microservices` 12 (through the client's dispatch hook; a hook set on the client
 * before is kept and runs first), TCP with `@nestjs/microservices` 11 (the packet gets the
 * same `metadata` member as it is serialized). Idempotent; returns the client.
 *
 * Throws when the client is not a Nest `ClientProxy` it can attach metadata to, so that
 * missing propagation shows at boot rather than as records without their upstream context.
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
  if (typeof host.setOnDispatchHook === 'function') {
    const previous = host.onDispatchHook;
    host.setOnDispatchHook((packet) => {
      previous?.call(host, packet);
      const header = outbound();
      if (header !== undefined) packet.metadata = { ...packet.metadata, [HUD_CONTEXT_HEADER]: header };
    });
  } else if (!addMetadataOnSerialize(host, outbound)) {
    throw new TypeError(
      'withHudPropagation: this client has neither setOnDispatchHook (@nestjs/microservices 12) nor a packet serializer ' +
        '(@nestjs/microservices 11): pass a ClientProxy made by ClientsModule or ClientProxyFactory',
    );
  }
  Object.defineProperty(host, PROPAGATING, { value: true });
  return client;
}
