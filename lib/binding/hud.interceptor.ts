import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { tap, type Observable } from 'rxjs';
import { writeContext } from '../context/context.writer.js';
import { currentInvocation } from '../context/invocation.storage.js';
import type { Invocation } from '../context/invocation.js';
import { HudRuntime } from '../hud.runtime.js';
import { handlerMetadataOf } from './handler-metadata.js';

/**
 * The global interceptor: applies the handler's `@SetHudContext` and `@HudSlowThreshold`, and
 * notes the error leaving the handler chain. It only observes: values, errors and timing
 * pass through unchanged.
 */
@Injectable()
export class HudInterceptor implements NestInterceptor {
  constructor(private readonly runtime: HudRuntime) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const invocation = currentInvocation();
    if (invocation === undefined) return next.handle();
    this.applyHandlerMetadata(invocation, context);
    return next.handle().pipe(tap({ error: (error: unknown) => invocation.noteError(error) }));
  }

  private applyHandlerMetadata(invocation: Invocation, context: ExecutionContext): void {
    const { contextSources, slowThresholdMs } = handlerMetadataOf(context);
    if (slowThresholdMs !== undefined) invocation.slowThresholdMs = slowThresholdMs;
    for (const source of contextSources) {
      try {
        writeContext(invocation, typeof source === 'function' ? source(context) : source);
      } catch (error) {
        // A throwing @SetHudContext function (or strict-mode rejection) is reported, never raised.
        this.runtime.warnOnce(`set-hud-context:${String(error)}`, `@SetHudContext on ${context.getClass().name}.${context.getHandler().name}: ${String(error)}`);
      }
    }
  }
}
