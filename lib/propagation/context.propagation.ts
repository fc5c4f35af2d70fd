// propagation/: allow-listed context across services: the hud-context header, RPC metadata and the outgoing client.
import { writeContextEntry } from '../context/context.writer.js';
import type { Invocation } from '../context/invocation.js';
import type { HudOptions } from '../hud.options.js';
import type { HudRuntime } from '../hud.runtime.js';
import { decodeHudContext, encodeHudContext, HUD_CONTEXT_HEADER } from './hud-context.codec.js';
import { receivedPacketHeader } from './packet-metadata.fallback.js';

/** The module's propagation settings in the shape the hot paths want (see `HudRuntime.propagation`). */
export interface PropagationPlan {
  keys: readonly string[];
  allowed: ReadonlySet<string>;
  maxBytes: number;
}

/** The propagation plan of a module's options; `null` when propagation is off. */
export function propagationPlanFor(options: HudOptions): PropagationPlan | null {
  const propagation = options.propagation;
  return propagation === undefined || propagation.keys.length === 0
    ? null
    : { keys: [...propagation.keys], allowed: new Set(propagation.keys), maxBytes: propagation.maxHeaderBytes };
}

/** A debug-level note, once per kind of problem: bad input from another service is not our app's error. */
function noteOnce(runtime: HudRuntime, id: string, message: string): void {
  runtime.propagationNotes.debug(id, `propagation: ${message} (notes of this kind are not repeated)`);
}

/**
 * The `hud-context` value for what the invocation sends out: its allow-listed keys, encoded
 * (see `encodeHudContext`); `undefined` when propagation is off or no such key is set.
 * Never throws.
 */
export function outboundHudContext(invocation: Invocation | undefined): string | undefined {
  if (invocation === undefined) return undefined;
  const runtime = invocation.runtime;
  const plan = runtime.propagation;
  if (plan === null) {
    noteOnce(runtime, 'off', 'propagation is off (no propagation.keys): nothing is sent');
    return undefined;
  }
  let encoded: ReturnType<typeof encodeHudContext>;
  try {
    encoded = encodeHudContext(invocation.values, plan.keys, plan.maxBytes);
  } catch (error) {
    // Not expected (values are validated): still, building a header must never fail a request.
    noteOnce(runtime, 'encode', `could not encode ${HUD_CONTEXT_HEADER}, nothing is sent: ${String(error)}`);
    return undefined;
  }
  const { header, overLimit } = encoded;
  if (overLimit.length > 0) {
    noteOnce(runtime, 'over-limit', `keys left out of ${HUD_CONTEXT_HEADER}, over propagation.maxHeaderBytes (${plan.maxBytes}): ${overLimit.join(', ')}`);
  }
  return header.length > 0 ? header : undefined;
}

/**
 * Pre-fills a new invocation's context from a received `hud-context` value. Only
 * allow-listed keys are accepted, each validated like any `set` (and one by one, so that in
 * strict mode a bad value costs only its own key). Anything else is ignored with a debug
 * note; nothing here ever throws into the request.
 */
export function readPropagatedContext(invocation: Invocation, header: unknown): void {
  if (header === undefined || header === null) return;
  const runtime = invocation.runtime;
  const plan = runtime.propagation;
  if (plan === null) return;
  try {
    const { values, ignored } = decodeHudContext(header, plan.allowed, plan.maxBytes);
    for (const { key, reason } of ignored) noteOnce(runtime, `${key}\u0000${reason}`, `ignored ${HUD_CONTEXT_HEADER} member "${key}": ${reason}`);
    for (const key of Object.keys(values)) {
      try {
        writeContextEntry(invocation, key, values[key]);
      } catch (error) {
        noteOnce(runtime, `strict\u0000${key}`, `ignored ${HUD_CONTEXT_HEADER} member "${key}": ${String(error)}`);
      }
    }
  } catch (error) {
    noteOnce(runtime, 'unexpected', `ignored a ${HUD_CONTEXT_HEADER} value: ${String(error)}`);
  }
}

/**
 * Pre-fills a new RPC invocation's context from the packet metadata a propagating client
 * attached: `TcpContext` / `RedisContext#getMetadata()` in Nest 12, and on a Nest 11 TCP
 * server what `keepReceivedMetadata` kept of the raw packet.
 */
export function readPropagatedRpcContext(invocation: Invocation, rpcContext: unknown): void {
  if (invocation.runtime.propagation === null) return;
  let header: unknown;
  try {
    const getMetadata = (rpcContext as { getMetadata?: unknown } | undefined)?.getMetadata;
    if (typeof getMetadata === 'function') {
      header = (getMetadata.call(rpcContext) as Record<string, unknown> | undefined)?.[HUD_CONTEXT_HEADER];
    }
  } catch {
    header = undefined;
  }
  readPropagatedContext(invocation, header ?? receivedPacketHeader());
}
