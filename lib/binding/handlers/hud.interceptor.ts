import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { defer, tap, type Observable } from 'rxjs';
import type { HudInvocationKind } from '../../context/context-value.types.js';
import { currentInvocation } from '../../context/invocation.storage.js';
import type { Invocation } from '../../context/invocation.js';
import { HudRuntime } from '../../hud.runtime.js';
import { graphqlOperationName, labelAsGraphqlInvocation } from '../http/graphql.naming.js';
import { applyHandlerMetadata, handlerMetadataOf } from './handler-metadata.js';
import { startRpcInvocation, streamWithin } from '../invocation.runner.js';
import { patternName, transportOfRpcContext } from '../rpc/rpc-pattern.name.js';
import { wsInvocationName } from '../ws/ws.naming.js';

/** Where `@MessagePattern` / `@EventPattern` keep their patterns (`@nestjs/microservices`). */
const PATTERN_METADATA = 'microservices:pattern';

/** The invocation kind of each Nest context type the interceptor may have to start. */
const KIND_OF_CONTEXT: Record<string, HudInvocationKind> = { rpc: 'rpc', ws: 'ws', graphql: 'graphql' };

/**
 * The interceptor of RPC, WebSocket and GraphQL handler classes (see `HandlerBinding`;
 * HTTP routes do without it). For every handler it applies `@SetHudContext` and
 * `@HudSlowThreshold` and notes the error leaving the handler chain; it only observes:
 * values, errors and timing pass through unchanged.
 *
 * When nothing started an invocation before (an HTTP request is started by the adapter
 * hook, see `HttpBinding`), the interceptor starts one and runs the rest of the handling
 * inside it.
 */
@Injectable()
export class HudInterceptor implements NestInterceptor {
  /** Lets an installer recognise the interceptor of any HudModule instance. */
  readonly isHudInterceptor = true;

  constructor(private readonly runtime: HudRuntime) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const invocation = currentInvocation();
    if (invocation !== undefined) {
      if (context.getType<string>() === 'graphql') labelAsGraphqlInvocation(invocation, context);
      this.applyHandlerMetadata(invocation, context);
      return next.handle().pipe(tap({ error: (error: unknown) => invocation.noteError(error) }));
    }
    const kind = KIND_OF_CONTEXT[context.getType()];
    if (kind === undefined) return next.handle();
    let started: Invocation;
    if (kind === 'rpc') {
      const rpcContext = context.switchToRpc().getContext();
      started = startRpcInvocation(this.runtime, this.nameOf(context), transportOfRpcContext(rpcContext), rpcContext);
    } else {
      started = this.runtime.startInvocation(kind, this.nameOf(context));
    }
    return this.runAsInvocation(started, context, next);
  }

  /** Subscribes to the handler inside the invocation and completes it when the stream ends. */
  private runAsInvocation(invocation: Invocation, context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return streamWithin(
      this.runtime,
      invocation,
      defer(() => {
        this.applyHandlerMetadata(invocation, context);
        return next.handle();
      }),
    );
  }

  /** A message handler is named after its pattern, like the ones `RpcBinding` starts. */
  private nameOf(context: ExecutionContext): string {
    const type = context.getType<string>();
    if (type === 'rpc') {
      const patterns: unknown = Reflect.getMetadata(PATTERN_METADATA, context.getHandler());
      if (Array.isArray(patterns) && patterns.length === 1) return patternName(patterns[0]);
    }
    const name = type === 'ws' ? wsInvocationName(context) : type === 'graphql' ? graphqlOperationName(context) : undefined;
    return name ?? `${context.getClass().name}.${context.getHandler().name}`;
  }

  private applyHandlerMetadata(invocation: Invocation, context: ExecutionContext): void {
    applyHandlerMetadata(invocation, handlerMetadataOf(context.getClass(), context.getHandler()), () => context);
  }
}
