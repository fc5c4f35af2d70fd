import { writeContext } from '../../context/context.writer.js';
import type { Invocation } from '../../context/invocation.js';
import { describeThrown } from '../../hud.notes.js';
import { headerLookupOf, headerValue } from './message-headers.reader.js';

/** `fromMetadata` as entries, made once per module. */
const plans = new WeakMap<Record<string, string>, ReadonlyArray<readonly [key: string, header: string]>>();

function planOf(fromMetadata: Record<string, string>): ReadonlyArray<readonly [string, string]> {
  let plan = plans.get(fromMetadata);
  if (plan === undefined) {
    plan = Object.entries(fromMetadata);
    plans.set(fromMetadata, plan);
  }
  return plan;
}

/**
 * Sets the headers `fromMetadata` lists (context key → header name, matched ignoring case)
 * into a new message invocation's context, validated like any `set`; absent headers are
 * skipped. The message's context (the handler's second argument) says where the headers
 * are: gRPC metadata, NATS headers, MQTT 5 user properties, RabbitMQ or Kafka message
 * headers. Nothing else of the message is read, and nothing here throws into the handler.
 */
export function setMessageMetadataContext(invocation: Invocation, rpcContext: unknown): void {
  const runtime = invocation.runtime;
  const fromMetadata = runtime.options.fromMetadata;
  if (fromMetadata === undefined) return;
  try {
    const lookup = headerLookupOf(rpcContext);
    if (lookup === undefined) return;
    const values: Record<string, unknown> = {};
    for (const [key, header] of planOf(fromMetadata)) values[key] = headerValue(lookup(header));
    writeContext(invocation, values);
  } catch (error) {
    // an odd context object, or a strict-mode rejection: reported, never raised
    runtime.notes.warn(`fromMetadata:${describeThrown(error)}`, `fromMetadata: ${describeThrown(error)}`);
  }
}
