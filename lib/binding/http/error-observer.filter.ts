import { Catch, type ExceptionFilter } from '@nestjs/common';
import { currentInvocation } from '../../context/invocation.storage.js';

/**
 * An exception type no exception is ever an instance of. Nest asks each filter's `@Catch()`
 * types `exception instanceof Type`, so this hook sees every exception Nest's exception
 * layer considers for global filters (thrown in guards too, where no interceptor runs) and
 * answers "no": the app's own filters handle it exactly as before. HTTP exceptions are
 * noted earlier, before any filter (see `observeHttpExceptions`); this is for RPC and
 * WebSocket guards.
 */
class ObservedException {
  static [Symbol.hasInstance](exception: unknown): boolean {
    currentInvocation()?.noteError(exception);
    return false;
  }
}

/** Registered as a global filter; it never catches anything (see `ObservedException`). */
@Catch(ObservedException)
export class ErrorObserverFilter implements ExceptionFilter {
  catch(): void {
    // never called: ObservedException matches no exception
  }
}
