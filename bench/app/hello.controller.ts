import { Controller, Get, Req } from '@nestjs/common';
import type { WithHeaders } from './bench-headers.js';

/** The app itself: GET /hello answers `{ ok: true }` and touches no context. */
@Controller()
export class HelloController {
  @Get('hello')
  hello() {
    return { ok: true };
  }
}

/** bare-error: reads the 3 headers and fails (Nest answers 500), without any context library. */
@Controller()
export class BareErrorController {
  @Get('hello')
  hello(@Req() req: WithHeaders) {
    const keys = {
      client_id: req.headers['x-client-id'],
      request_id: req.headers['x-request-id'],
      user_tier: req.headers['x-user-tier'],
    };
    throw Object.assign(new Error('bench failure'), { keys });
  }
}
