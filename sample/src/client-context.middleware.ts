import { Injectable, type NestMiddleware } from '@nestjs/common';
import { setContext } from 'nestjs-hud';

/** Who is calling, taken from the request headers. */
@Injectable()
export class ClientContextMiddleware implements NestMiddleware {
  use(req: { headers: Record<string, string | string[] | undefined> }, _res: unknown, next: () => void) {
    setContext({
      client_id: req.headers['x-client-id'],
      request_id: req.headers['x-request-id'],
      user_tier: req.headers['x-user-tier'],
    });
    next();
  }
}
