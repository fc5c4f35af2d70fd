/** The streaming kinds `@GrpcMethod`, `@GrpcStreamMethod` and `@GrpcStreamCall` write into their pattern. */
const GRPC_STREAMING_KINDS: ReadonlySet<unknown> = new Set(['no_stream', 'rx_stream', 'pt_stream']);

/**
 * `Service/Method` for the pattern of a gRPC handler (`{ service, rpc, streaming }`, as
 * `@nestjs/microservices` writes it), the way gRPC itself names a method; `undefined` for
 * any other pattern. The service is the one the decorator names, without the proto package.
 */
export function grpcMethodName(pattern: unknown): string | undefined {
  if (pattern === null || typeof pattern !== 'object') return undefined;
  const { service, rpc, streaming } = pattern as Record<string, unknown>;
  if (typeof service !== 'string' || typeof rpc !== 'string' || !GRPC_STREAMING_KINDS.has(streaming)) return undefined;
  return `${service}/${rpc}`;
}

/** The same for a key of the gRPC server's handler map, which holds each pattern as JSON. */
export function grpcRouteName(route: string): string | undefined {
  if (!route.startsWith('{')) return undefined;
  try {
    return grpcMethodName(JSON.parse(route));
  } catch {
    return undefined;
  }
}
