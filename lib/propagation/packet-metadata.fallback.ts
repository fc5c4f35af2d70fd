import { AsyncLocalStorage } from 'node:async_hooks';
import { HUD_CONTEXT_HEADER } from './hud-context.codec.js';

/**
 * Packet metadata for `@nestjs/microservices` 11, which has neither the client's dispatch
 * hook nor the server's `getMetadata()` (both came in 12). The wire format is the one
 * Nest 12 uses, a `metadata` member beside `pattern`, `data` and `id`, so a Nest 11 client
 * and a Nest 12 server (or the reverse) still understand each other:
 * - client: the packet gets `metadata['hud-context']` as it is serialized;
 * - TCP server: the member is read from the raw packet before Nest drops it, and handed to
 *   the handler's invocation through an AsyncLocalStorage around the server's own handling.
 */

interface PacketSerializer {
  serialize(packet: unknown, options?: unknown): unknown;
}

interface SerializingClient {
  serializer?: PacketSerializer;
}

/** The Nest 11 TCP server method that takes each parsed packet off a socket. */
interface PacketHandlingServer {
  handleMessage?: (socket: unknown, packet: unknown, ...rest: unknown[]) => unknown;
}

const received = new AsyncLocalStorage<string>();

function withHeader(packet: unknown, header: string | undefined): unknown {
  if (header === undefined || packet === null || typeof packet !== 'object') return packet;
  const metadata = (packet as { metadata?: Record<string, unknown> }).metadata;
  return { ...packet, metadata: { ...metadata, [HUD_CONTEXT_HEADER]: header } };
}

/**
 * Makes `client` add the header `outbound()` returns to every packet it serializes.
 * Returns false when the client has no serializer to wrap (not a Nest `ClientProxy`).
 * The packet the client keeps (its id, its reply routing) is not changed: the serializer
 * gets a copy.
 */
export function addMetadataOnSerialize(client: object, outbound: () => string | undefined): boolean {
  const host = client as SerializingClient;
  const serializer = host.serializer;
  if (serializer === undefined || typeof serializer.serialize !== 'function') return false;
  host.serializer = {
    serialize(packet: unknown, options?: unknown): unknown {
      let header: string | undefined;
      try {
        header = outbound();
      } catch {
        header = undefined; // propagation must never break the app's message
      }
      return serializer.serialize(withHeader(packet, header), options);
    },
  };
  return true;
}

/**
 * Makes a Nest 11 TCP server keep each packet's `hud-context` metadata for the handler
 * that packet reaches (read with `receivedPacketHeader()`). A server without
 * `handleMessage` (another transport, or a future Nest) is left alone.
 */
export function keepReceivedMetadata(server: object): void {
  const host = server as PacketHandlingServer;
  const handleMessage = host.handleMessage;
  if (typeof handleMessage !== 'function') return;
  host.handleMessage = function (this: unknown, socket: unknown, packet: unknown, ...rest: unknown[]): unknown {
    const metadata = (packet as { metadata?: Record<string, unknown> } | null | undefined)?.metadata;
    const header = metadata !== null && typeof metadata === 'object' ? metadata[HUD_CONTEXT_HEADER] : undefined;
    if (typeof header !== 'string') return handleMessage.call(this, socket, packet, ...rest);
    return received.run(header, () => handleMessage.call(this, socket, packet, ...rest));
  };
}

/** The `hud-context` metadata of the packet being handled, on a server `keepReceivedMetadata` wrapped. */
export function receivedPacketHeader(): string | undefined {
  return received.getStore();
}
