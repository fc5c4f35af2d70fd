import { Controller, Get, Req } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import type { WithHeaders } from './bench-headers.js';

/** nestjs-cls: the same 3 keys through `ClsService.set`, its middleware mounted. */
@Controller()
export class ClsHandlerController {
  constructor(private readonly cls: ClsService) {}

  @Get('hello')
  hello(@Req() req: WithHeaders) {
    const headers = req.headers;
    this.cls.set('client_id', headers['x-client-id']);
    this.cls.set('request_id', headers['x-request-id']);
    this.cls.set('user_tier', headers['x-user-tier']);
    return { ok: true };
  }
}
