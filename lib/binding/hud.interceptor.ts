import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import type { HudInvocationKind } from '../context/context-value.types.js';
import { writeContext } from '../context/context.writer.js';
import { currentInvocation, invocationStorage } from '../context/invocation.storage.js';
import type { Invocation } from '../context/invocation.js';
import { HudRuntime } from '../hud.runtime.js';
import { graphqlOperationName, labelAsGraphqlInvocation } from './graphql.naming.js';
import { handlerMetadataOf } from './handler-metadata.js';
import { wsInvocationName } from './ws.naming.js';

/** The invocation kind of each Nest context type the interceptor may have to start. */
const KIND_OF_CONTEXT: Record<string, HudInvocationKind> = { rpc: 'rpc', ws: 'ws', graphql: 'graphql' };

/**
 * The global interceptor. For every handler it applies `@SetHudContext` and
 * `@HudSlowThreshold` and notes the error leaving the handler chain; it only observes:
 * values, errors and timing pass through unchanged.
 *
 * HTTP invocations are started earlier, by the adapter hook (see `HttpBinding`). For other
 * transports, when nothing started an invocation before, the interceptor starts one and runs
 * the rest of the handling inside it.
 */
@Injectable()
export class HudInterceptor implements NestInterceptor {
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
    return this.runAsInvocation(this.runtime.startInvocation(kind, this.nameOf(context)), context, next);
  }

  /** Subscribes to the handler inside the invocation and completes it when the stream ends. */
  private runAsInvocation(invocation: Invocation, context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const runtime = this.runtime;
    return new Observable((subscriber) =>
      invocationStorage.run(invocation, () => {
        this.applyHandlerMetadata(invocation, context);
        const subscription = next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            invocation.noteError(error);
            runtime.complete(invocation);
            subscriber.error(error);
          },
          complete: () => {
            runtime.complete(invocation);
            subscriber.complete();
          },
        });
        return () => {
          subscription.unsubscribe();
          runtime.complete(invocation);
        };
      }),
    );
  }

  private nameOf(context: ExecutionContext): string {
    const type = context.getType<string>();
    const name = type === 'ws' ? wsInvocationName(context) : type === 'graphql' ? graphqlOperationName(context) : undefined;
    return name ?? `${context.getClass().name}.${context.getHandler().name}`;
  }

  private applyHandlerMetadata(invocation: Invocation, context: ExecutionContext): void {
    const { contextSources, slowThresholdMs } = handlerMetadataOf(context);
    if (slowThresholdMs !== undefined) invocation.slowThresholdMs = slowThresholdMs;
    for (const source of contextSources) {
      try {
        writeContext(invocation, typeof source === 'function' ? source(context) : source);
      } catch (error) {
        // A throwing @SetHudContext function (or a strict-mode rejection) is reported, never raised.
        this.runtime.warnOnce(
          `set-hud-context:${String(error)}`,
          `@SetHudContext on ${context.getClass().name}.${context.getHandler().name}: ${String(error)}`,
        );
      }
    }
  }
}
