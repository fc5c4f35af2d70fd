import type { ExecutionContext } from '@nestjs/common';
import type { Invocation } from '../context/invocation.js';

/** The parts of graphql-js's `GraphQLResolveInfo` read here (the package is never imported). */
interface ResolveInfoLike {
  fieldName?: unknown;
  operation?: { operation?: unknown; name?: { value?: unknown } | null };
}

/**
 * The name of a GraphQL invocation: `query GetOrder` for a named operation, else the
 * operation type and the root field, `mutation placeOrder`.
 */
export function graphqlOperationName(context: ExecutionContext): string | undefined {
  // a resolver's arguments are (root, args, context, info)
  const info = context.getArgByIndex(3) as ResolveInfoLike | undefined;
  if (info === null || typeof info !== 'object') return undefined;
  const type = typeof info.operation?.operation === 'string' ? info.operation.operation : 'query';
  const operationName = info.operation?.name?.value;
  if (typeof operationName === 'string' && operationName.length > 0) return `${type} ${operationName}`;
  return typeof info.fieldName === 'string' ? `${type} ${info.fieldName}` : undefined;
}

/**
 * GraphQL over HTTP reaches its resolvers inside the HTTP invocation the adapter hook
 * started for `POST /graphql`. The first resolver re-labels that invocation as kind
 * `graphql`, named by the operation; it keeps its `http` details (status 200 even when
 * the response carries `errors`). One request, one invocation, one record.
 */
export function labelAsGraphqlInvocation(invocation: Invocation, context: ExecutionContext): void {
  if (invocation.kind !== 'http') return;
  const name = graphqlOperationName(context);
  if (name === undefined) return;
  invocation.kind = 'graphql';
  invocation.name = name;
}
