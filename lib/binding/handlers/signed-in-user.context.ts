import type { ExecutionContext } from '@nestjs/common';
import { writeContext } from '../../context/context.writer.js';
import type { Invocation } from '../../context/invocation.js';
import { describeThrown } from '../../hud.notes.js';

/** One entry of `fromUser`: the context key, and the path's property names. */
type UserPath = readonly [key: string, segments: readonly string[]];

const plans = new WeakMap<Record<string, string>, readonly UserPath[]>();

/** `fromUser` split once per module into property names. */
function planOf(fromUser: Record<string, string>): readonly UserPath[] {
  let plan = plans.get(fromUser);
  if (plan === undefined) {
    plan = Object.entries(fromUser).map(([key, path]) => [key, path.split('.')] as const);
    plans.set(fromUser, plan);
  }
  return plan;
}

/**
 * `target[name]` when it is an own data property of `target`; `undefined` otherwise. No
 * getter runs and nothing inherited is read: a path reads exactly the properties it names.
 */
function ownDataProperty(target: unknown, name: string): unknown {
  if (target === null || (typeof target !== 'object' && typeof target !== 'function')) return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
}

/** The value at `segments` of `root`, walking own data properties only. */
function valueAt(root: unknown, segments: readonly string[]): unknown {
  let value = root;
  for (let i = 0; i < segments.length && value !== undefined; i++) value = ownDataProperty(value, segments[i]!);
  return value;
}

/** A GraphQL resolver's context (its third argument): `req.user`, else `user`. */
function graphqlUser(context: ExecutionContext): unknown {
  const graphqlContext = context.getArgByIndex(2);
  return ownDataProperty(ownDataProperty(graphqlContext, 'req'), 'user') ?? ownDataProperty(graphqlContext, 'user');
}

/**
 * The signed-in user of an invocation, where auth guards leave it: the HTTP request's
 * `user` (Passport, `@nestjs/passport`), the WebSocket client's `user`, the GraphQL
 * context's `req.user` or `user`. Microservice messages have none.
 */
function signedInUserOf(invocation: Invocation, executionContext: (() => ExecutionContext) | undefined): unknown {
  // an HTTP route: the request the binding holds, without building an ExecutionContext
  if (invocation.kind === 'http' && invocation.exchange !== undefined) return ownDataProperty(invocation.exchange.request, 'user');
  if (executionContext === undefined) return undefined;
  const context = executionContext();
  const type = context.getType<string>();
  if (type === 'graphql') return graphqlUser(context);
  if (type === 'ws') return ownDataProperty(context.switchToWs().getClient(), 'user');
  if (type === 'http') return ownDataProperty(context.switchToHttp().getRequest(), 'user');
  return undefined;
}

/**
 * Sets the listed properties of the signed-in user (`fromUser`: context key → dot path)
 * into the invocation's context, validated like any `set`. Called once the guards have run.
 * Only the listed paths are read, through own data properties: an absent property, a
 * getter or an inherited property is skipped, and an object found at the end of a path is
 * not looked into (it is reported by its key only). Never throws into the request.
 * Without `executionContext`, only an HTTP invocation's request is looked at.
 */
export function setSignedInUserContext(invocation: Invocation, executionContext?: () => ExecutionContext): void {
  const runtime = invocation.runtime;
  const fromUser = runtime.options.fromUser;
  if (fromUser === undefined) return;
  try {
    const user = signedInUserOf(invocation, executionContext);
    if (user === undefined || user === null) return;
    const values: Record<string, unknown> = {};
    for (const [key, segments] of planOf(fromUser)) {
      const value = valueAt(user, segments);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const problem = { key, reason: 'fromUser: the value at its path is an object, not a string, number, boolean or array' };
        invocation.noteProblems([problem]);
        runtime.warnAboutProblems([problem]);
        continue;
      }
      values[key] = value;
    }
    writeContext(invocation, values);
  } catch (error) {
    // a throwing Proxy trap, or a strict-mode rejection: reported, never raised
    runtime.notes.warn(`fromUser:${describeThrown(error)}`, `fromUser: ${describeThrown(error)}`);
  }
}
