import { Controller, Get, Logger, Req } from '@nestjs/common';
import { HudContextService } from 'nestjs-hud';
import type { WithHeaders } from './bench-headers.js';

function keysOf(req: WithHeaders) {
  const headers = req.headers;
  return {
    client_id: headers['x-client-id'] as string | undefined,
    request_id: headers['x-request-id'] as string | undefined,
    user_tier: headers['x-user-tier'] as string | undefined,
  };
}

/** hud-handler / hud-disabled: the 3 keys set from the headers in the handler. */
@Controller()
export class HudHandlerController {
  constructor(private readonly hud: HudContextService) {}

  @Get('hello')
  hello(@Req() req: WithHeaders) {
    this.hud.set(keysOf(req));
    return { ok: true };
  }
}

/** hud-error: every request sets the 3 keys, then fails (Nest answers 500). */
@Controller()
export class HudErrorController {
  constructor(private readonly hud: HudContextService) {}

  @Get('hello')
  hello(@Req() req: WithHeaders) {
    this.hud.set(keysOf(req));
    throw new Error('bench failure');
  }
}

/**
 * hud-logging / hud-logging-no-breadcrumbs: hud-handler plus 3 Nest Logger lines per
 * request. The bench servers run with `logger: false`, so the lines print nothing: what
 * differs between the two variants is only the breadcrumbs taken from them.
 */
@Controller()
export class HudLoggingController {
  private readonly logger = new Logger('Hello');

  constructor(private readonly hud: HudContextService) {}

  @Get('hello')
  hello(@Req() req: WithHeaders) {
    const keys = keysOf(req);
    this.hud.set(keys);
    this.logger.log('hello requested');
    this.logger.log(`client ${keys.client_id} on tier ${keys.user_tier}`);
    this.logger.warn('greeting from the cache');
    return { ok: true };
  }
}
