import type { ExecutionContext } from '@nestjs/common';
import type { Invocation } from '../../context/invocation.js';
import { cutText, ownedText } from '../../context/utf16.text.js';

/** Longest operation name kept: the client chooses it, and names are kept (rate limit, records). */
export const MAX_OPERATION_NAME_LENGTH = 100;

/** The parts of graphql-js's `GraphQLResolveInfo` read here (the package is never imported). */
interface ResolveInfoLike {
  fieldName?: unknown;
  operation?: { operation?: unknown; name?: { value?: unknown } | null };
}

/**
 * The name of a GraphQL invocation: `query GetOrder` for a named operation (the name cut to
 * 100 characters), else the operation type and the root field, `mutation placeOrder`. The
 * names graphql-js gives are slices of the request's text, which a slice keeps reachable
 * (500 KB, say) for as long as the name lives: in the rate limiter's table, in records. So
 * the name is always an owned copy, even when it was short enough to keep whole.
 */
export function graphqlOperationName(context: ExecutionContext): string | undefined {
  // a resolver's arguments are (root, args, context, info)
  const info = context.getArgByIndex(3) as ResolveInfoLike | undefined;
  if (info === null || typeof info !== 'object') return undefined;
  const type = typeof info.operation?.operation === 'string' ? info.operation.operation : 'query';
  const operationName = info.operation?.name?.value;
  if (typeof operationName === 'string' && operationName.length > 0) {
    return ownedText(`${type} ${cutText(operationName, MAX_OPERATION_NAME_LENGTH)}`);
  }
  return typeof info.fieldName === 'string' ? ownedText(`${type} ${cutText(info.fieldName, MAX_OPERATION_NAME_LENGTH)}`) : undefined;
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
