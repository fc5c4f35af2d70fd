import type { ExecutionContext } from '@nestjs/common';
import { HUD_SET_CONTEXT_METADATA, HUD_SLOW_THRESHOLD_METADATA } from '../hud.constants.js';
import type { HudContextInput } from '../context/context-value.types.js';

/** What `@SetHudContext()` stores: static values, or a function of the ExecutionContext. */
export type SetHudContextSource =
  | Record<string, HudContextInput>
  | ((context: ExecutionContext) => Record<string, HudContextInput>);

/** The nestjs-hud metadata of one handler, read once and cached. */
export interface HandlerMetadata {
  /** Class-level first, then method-level, so method values win. */
  contextSources: readonly SetHudContextSource[];
  slowThresholdMs: number | false | undefined;
}

const cache = new WeakMap<Function, HandlerMetadata>();

export function handlerMetadataOf(context: ExecutionContext): HandlerMetadata {
  const handler = context.getHandler();
  let metadata = cache.get(handler);
  if (metadata === undefined) {
    const controller = context.getClass();
    const contextSources = [
      Reflect.getMetadata(HUD_SET_CONTEXT_METADATA, controller),
      Reflect.getMetadata(HUD_SET_CONTEXT_METADATA, handler),
    ].filter((source): source is SetHudContextSource => source !== undefined);
    const slowThresholdMs =
      Reflect.getMetadata(HUD_SLOW_THRESHOLD_METADATA, handler) ??
      Reflect.getMetadata(HUD_SLOW_THRESHOLD_METADATA, controller);
    metadata = { contextSources, slowThresholdMs };
    cache.set(handler, metadata);
  }
  return metadata;
}
