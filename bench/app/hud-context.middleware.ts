import { Injectable, type NestMiddleware } from '@nestjs/common';
import { setContext } from 'nestjs-hud';
import type { WithHeaders } from './bench-headers.js';

/** hud-middleware: the seed's pattern, an app middleware calling `setContext`. */
@Injectable()
export class HudContextMiddleware implements NestMiddleware {
  use(req: WithHeaders, _res: unknown, next: () => void): void {
    setContext({
      client_id: req.headers['x-client-id'] as string | undefined,
      request_id: req.headers['x-request-id'] as string | undefined,
      user_tier: req.headers['x-user-tier'] as string | undefined,
    });
    next();
  }
}
