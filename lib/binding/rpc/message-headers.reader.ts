import { transportOfRpcContext } from './rpc-pattern.name.js';

/** The value(s) of one header of a message, as its transport keeps them; `undefined` when absent. */
export type HeaderLookup = (name: string) => unknown;

/** The own key of `headers` equal to `name` ignoring case (header names are case-insensitive). */
function keyIgnoringCase(keys: Iterable<string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const key of keys) if (key.toLowerCase() === wanted) return key;
  return undefined;
}

/** A plain headers object (MQTT 5 user properties, RabbitMQ and Kafka headers). */
function objectLookup(headers: unknown): HeaderLookup | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const record = headers as Record<string, unknown>;
  return (name) => {
    if (Object.hasOwn(record, name)) return record[name];
    const key = keyIgnoringCase(Object.keys(record), name);
    return key === undefined ? undefined : record[key];
  };
}

/** Calls `method` of `target` when it has one; `undefined` otherwise. */
function call(target: unknown, method: string): unknown {
  const fn = (target as Record<string, unknown> | null | undefined)?.[method];
  return typeof fn === 'function' ? (fn as () => unknown).call(target) : undefined;
}

/** NATS `MsgHdrs` (of `nats` 2 and `@nats-io/*` 3 alike): its `keys()` and `values(key)`. */
function natsLookup(headers: unknown): HeaderLookup | undefined {
  const msgHdrs = headers as { keys?: () => string[]; values?: (key: string) => string[] } | undefined;
  if (typeof msgHdrs?.keys !== 'function' || typeof msgHdrs.values !== 'function') return undefined;
  return (name) => {
    const key = keyIgnoringCase(msgHdrs.keys!(), name);
    return key === undefined ? undefined : msgHdrs.values!(key);
  };
}

/** gRPC `Metadata`: keys are lower case; `get(key)` lists the values. */
function grpcLookup(metadata: unknown): HeaderLookup | undefined {
  const get = (metadata as { get?: unknown } | null | undefined)?.get;
  if (typeof get !== 'function') return undefined;
  return (name) => (get as (key: string) => unknown).call(metadata, name.toLowerCase());
}

/**
 * How to read the headers of a message from its context (the handler's second argument),
 * for each of Nest's transports that carries headers: gRPC metadata, NATS headers, MQTT 5
 * user properties, RabbitMQ message headers and Kafka message headers. `undefined` for a
 * message without headers, and for TCP, Redis and custom transports.
 */
export function headerLookupOf(rpcContext: unknown): HeaderLookup | undefined {
  switch (transportOfRpcContext(rpcContext)) {
    case 'GRPC':
      return grpcLookup(rpcContext);
    case 'NATS':
      return natsLookup(call(rpcContext, 'getHeaders'));
    case 'MQTT':
      return objectLookup((call(rpcContext, 'getPacket') as { properties?: { userProperties?: unknown } } | undefined)?.properties?.userProperties);
    case 'RMQ':
      return objectLookup((call(rpcContext, 'getMessage') as { properties?: { headers?: unknown } } | undefined)?.properties?.headers);
    case 'KAFKA':
      return objectLookup((call(rpcContext, 'getMessage') as { headers?: unknown } | undefined)?.headers);
    default:
      return undefined;
  }
}

/** Bytes (Kafka headers, gRPC `-bin` metadata) as UTF-8 text; anything else as it is. */
function asText(value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8') : value;
}

/**
 * A header's value as context input: bytes decoded as UTF-8, a list of one value as that
 * value, a longer list as a list. Validation (types, lengths) is the context writer's.
 */
export function headerValue(raw: unknown): unknown {
  if (!Array.isArray(raw)) return asText(raw);
  if (raw.length === 0) return undefined;
  return raw.length === 1 ? asText(raw[0]) : raw.map(asText);
}
