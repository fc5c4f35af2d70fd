import { Controller, Get, Inject, Injectable, Req, Scope } from '@nestjs/common';
import type { WithHeaders } from './bench-headers.js';

/** scope-request: what many apps do instead of AsyncLocalStorage. */
@Injectable({ scope: Scope.REQUEST })
export class RequestContextHolder {
  readonly values: Record<string, unknown> = {};

  set(key: string, value: unknown): void {
    this.values[key] = value;
  }
}

@Controller()
export class ScopedHandlerController {
  constructor(@Inject(RequestContextHolder) private readonly holder: RequestContextHolder) {}

  @Get('hello')
  hello(@Req() req: WithHeaders) {
    const headers = req.headers;
    this.holder.set('client_id', headers['x-client-id']);
    this.holder.set('request_id', headers['x-request-id']);
    this.holder.set('user_tier', headers['x-user-tier']);
    return { ok: true };
  }
}
