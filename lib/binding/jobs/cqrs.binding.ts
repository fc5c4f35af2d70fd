import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { HudRuntime } from '../../hud.runtime.js';
import { DiscoveredJobBinding, type JobMethod } from './discovered-job.binding.js';

/** Written by `@CommandHandler()`, `@QueryHandler()` and `@EventsHandler()` of `@nestjs/cqrs` (read by key: no import). */
const COMMAND_HANDLER_METADATA = '__commandHandler__';
const QUERY_HANDLER_METADATA = '__queryHandler__';
const EVENTS_HANDLER_METADATA = '__eventsHandler__';

function classNameOf(value: unknown): string | undefined {
  return typeof value === 'function' && value.name.length > 0 ? value.name : undefined;
}

/**
 * `OrderShippedEvent -> NotifyCustomerHandler` for each event the handler declares: several
 * handlers may handle one event, so the name says which one ran. Only declared event classes
 * make names, so there are as many as the code has.
 */
function eventNaming(handlerClass: Function, declared: unknown): (args: readonly unknown[]) => string {
  const names = new Map<unknown, string>();
  for (const event of Array.isArray(declared) ? declared : []) {
    const eventName = classNameOf(event);
    if (eventName !== undefined) names.set(event, `${eventName} -> ${handlerClass.name}`);
  }
  const fallback = names.size === 1 ? [...names.values()][0]! : `${handlerClass.name}.handle`;
  return (args) => {
    const event = args[0];
    const eventClass = event !== null && typeof event === 'object' ? Object.getPrototypeOf(event)?.constructor : undefined;
    return names.get(eventClass) ?? fallback;
  };
}

/**
 * Makes `@nestjs/cqrs` command, query and event handlers invocations of kind `job`, with no
 * decorator to write: a command or query handler is named after its command or query class
 * (`CreateOrderCommand`), an event handler `OrderShippedEvent -> NotifyCustomerHandler`.
 *
 * The buses call a handler in the caller's async context, so a command executed or an event
 * published while a request runs joins that request's invocation (its context and error land
 * in the request's record); outside any invocation (a bootstrap hook, a timer, a message the
 * app's own transport delivers) the handler is an invocation of its own. An event handler
 * that throws is swallowed and only logged by `@nestjs/cqrs`; here it is still recorded.
 */
@Injectable()
export class CqrsBinding extends DiscoveredJobBinding {
  constructor(discovery: DiscoveryService, runtime: HudRuntime) {
    super(discovery, runtime);
  }

  protected jobMethodsOf(handlerClass: Function): JobMethod[] {
    const methods: JobMethod[] = [];
    for (const key of [COMMAND_HANDLER_METADATA, QUERY_HANDLER_METADATA]) {
      const handled: unknown = Reflect.getMetadata(key, handlerClass);
      if (handled !== undefined) {
        methods.push({ methodName: 'execute', naming: classNameOf(handled) ?? `${handlerClass.name}.execute` });
        break;
      }
    }
    const events: unknown = Reflect.getMetadata(EVENTS_HANDLER_METADATA, handlerClass);
    if (events !== undefined) methods.push({ methodName: 'handle', naming: eventNaming(handlerClass, events) });
    return methods;
  }
}
