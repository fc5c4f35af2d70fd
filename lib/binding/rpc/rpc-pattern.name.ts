import { grpcMethodName } from './grpc-method.name.js';

/**
 * Names of Nest's built-in transports, indexed by the value of the `Transport` enum of
 * `@nestjs/microservices`. Read here rather than imported: `@nestjs/microservices` is the
 * app's optional dependency, not ours.
 */
const BUILT_IN_TRANSPORTS: readonly string[] = ['TCP', 'REDIS', 'NATS', 'MQTT', 'GRPC', 'RMQ', 'KAFKA'];

/** Deeper patterns are cut, as Nest does when it turns a pattern into a route. */
const MAX_DEPTH = 5;

function stableJson(value: unknown, depth: number): string {
  if (value === null || typeof value !== 'object') {
    const json = JSON.stringify(value);
    return json === undefined ? 'null' : json;
  }
  if (depth >= MAX_DEPTH) return '"[MAX_DEPTH_REACHED]"';
  if (Array.isArray(value)) return `[${value.map((item) => stableJson(item, depth + 1)).join(',')}]`;
  // sorted like Nest sorts them when it routes a pattern, so both agree on the name
  const keys = Object.keys(value).sort((a, b) => a.localeCompare(b));
  const parts = keys.map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key], depth + 1)}`);
  return `{${parts.join(',')}}`;
}

/**
 * The invocation name of a message pattern: a string pattern as it is, a gRPC method's
 * `Service/Method`, any other pattern as JSON with sorted keys, so that `{ cmd: 'sum', v: 1 }`
 * and `{ v: 1, cmd: 'sum' }` are one name (one rate-limit bucket, one line on the inspector page).
 */
export function patternName(pattern: unknown): string {
  if (typeof pattern === 'string') return pattern;
  try {
    const grpcName = grpcMethodName(pattern);
    if (grpcName !== undefined) return grpcName;
    return stableJson(pattern, 0);
  } catch {
    return String(pattern);
  }
}

/**
 * The transport of a microservice server, as records show it: `'TCP'`, `'REDIS'`... for
 * Nest's transports, the `transportId` of a custom one, else the server's class name.
 */
export function transportName(server: { transportId?: unknown; constructor?: { name?: string } }): string | undefined {
  const id = server.transportId;
  if (typeof id === 'number') return BUILT_IN_TRANSPORTS[id] ?? String(id);
  if (typeof id === 'string') return id;
  if (typeof id === 'symbol') return id.description;
  const className = server.constructor?.name;
  return className && className !== 'Object' ? className : undefined;
}

/** The transport each of Nest's message contexts belongs to (`TcpContext`...), by class name. */
const TRANSPORT_OF_CONTEXT: Readonly<Record<string, string>> = {
  TcpContext: 'TCP',
  RedisContext: 'REDIS',
  NatsContext: 'NATS',
  MqttContext: 'MQTT',
  RmqContext: 'RMQ',
  KafkaContext: 'KAFKA',
  // a gRPC handler's second argument is the call's Metadata
  Metadata: 'GRPC',
};

/**
 * The transport of a message, as records show it, read from its context (the handler's
 * second argument) where the server cannot be seen: one of Nest's transports, else `undefined`.
 */
export function transportOfRpcContext(rpcContext: unknown): string | undefined {
  if (rpcContext === null || typeof rpcContext !== 'object') return undefined;
  const className = (rpcContext as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof className === 'string' && Object.hasOwn(TRANSPORT_OF_CONTEXT, className) ? TRANSPORT_OF_CONTEXT[className] : undefined;
}
