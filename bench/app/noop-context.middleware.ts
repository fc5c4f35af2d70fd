import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { WithHeaders } from './bench-headers.js';

/** noop-middleware: hud-middleware without a context library (the keys kept on the request). */
@Injectable()
export class NoopContextMiddleware implements NestMiddleware {
  use(req: WithHeaders & { benchContext?: Record<string, unknown> }, _res: unknown, next: () => void): void {
    req.benchContext = {
      client_id: req.headers['x-client-id'],
      request_id: req.headers['x-request-id'],
      user_tier: req.headers['x-user-tier'],
    };
    next();
  }
}
