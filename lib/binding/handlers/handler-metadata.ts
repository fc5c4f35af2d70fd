import type { ExecutionContext } from '@nestjs/common';
import { HUD_SET_CONTEXT_METADATA, HUD_SLOW_THRESHOLD_METADATA } from '../../hud.constants.js';
import type { HudContextInput } from '../../context/context-value.types.js';
import { writeContext } from '../../context/context.writer.js';
import type { Invocation } from '../../context/invocation.js';
import { setSignedInUserContext } from './signed-in-user.context.js';

/** What `@SetHudContext()` stores: static values, or a function of the ExecutionContext. */
export type SetHudContextSource =
  | Record<string, HudContextInput>
  | ((context: ExecutionContext) => Record<string, HudContextInput>);

/** The nestjs-hud metadata of one handler, read once and cached. */
export interface HandlerMetadata {
  /** Class-level first, then method-level, so method values win. */
  contextSources: readonly SetHudContextSource[];
  slowThresholdMs: number | false | undefined;
  /** `Class.method`, for warnings. */
  label: string;
}

const cache = new WeakMap<Function, HandlerMetadata>();

export function handlerMetadataOf(controller: Function, handler: Function): HandlerMetadata {
  let metadata = cache.get(handler);
  if (metadata === undefined) {
    const contextSources = [
      Reflect.getMetadata(HUD_SET_CONTEXT_METADATA, controller),
      Reflect.getMetadata(HUD_SET_CONTEXT_METADATA, handler),
    ].filter((source): source is SetHudContextSource => source !== undefined);
    const slowThresholdMs =
      Reflect.getMetadata(HUD_SLOW_THRESHOLD_METADATA, handler) ??
      Reflect.getMetadata(HUD_SLOW_THRESHOLD_METADATA, controller);
    metadata = { contextSources, slowThresholdMs, label: `${controller.name}.${handler.name}` };
    cache.set(handler, metadata);
  }
  return metadata;
}

/**
 * Applies `@HudSlowThreshold` and `@SetHudContext` of a handler to its invocation, once per
 * invocation, after the signed-in user's `fromUser` keys (the guards have run by now, and
 * the handler's own values win). The ExecutionContext is built only when needed.
 */
export function applyHandlerMetadata(
  invocation: Invocation,
  metadata: HandlerMetadata,
  executionContext: () => ExecutionContext,
): void {
  if (invocation.handlerMetadataApplied) return;
  invocation.handlerMetadataApplied = true;
  if (metadata.slowThresholdMs !== undefined) invocation.slowThresholdMs = metadata.slowThresholdMs;
  if (invocation.runtime.options.fromUser !== undefined) setSignedInUserContext(invocation, executionContext);
  for (const source of metadata.contextSources) {
    try {
      writeContext(invocation, typeof source === 'function' ? source(executionContext()) : source);
    } catch (error) {
      // A throwing @SetHudContext function (or a strict-mode rejection) is reported, never raised.
      invocation.runtime.notes.warn(`set-hud-context:${metadata.label}:${String(error)}`, `@SetHudContext on ${metadata.label}: ${String(error)}`);
    }
  }
}
