import { Body, Controller, Get, HttpCode, Logger, Param, Post } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { addBreadcrumb, HudContext, HudContextService, HudSlowThreshold, SetHudContext } from 'nestjs-hud';

interface CreateOrderDto {
  items?: string[];
  express?: boolean;
}

@Controller('orders')
export class OrdersController {
  private readonly logger = new Logger('Payments');

  constructor(
    private readonly hud: HudContextService,
    private readonly events: EventEmitter2,
  ) {}

  /**
   * Always fails: one forensics record with the caller's context, and what the request did
   * before it failed (a breadcrumb, and the Logger line, which is printed as usual too).
   */
  @Post()
  @SetHudContext({ feature: 'checkout-v2' })
  create(@Body() dto: CreateOrderDto, @HudContext('client_id') clientId?: string) {
    this.hud.set({ order_items: dto.items?.length ?? 0, express: dto.express ?? false });
    addBreadcrumb('cart priced', { items: dto.items?.length ?? 0 });
    this.logger.warn('payment gateway slow to answer, retrying once');
    throw new Error(`payment gateway timeout${clientId ? ` for ${clientId}` : ''}`);
  }

  /**
   * Answers 200, but the provider declined the refund: `setFailure` makes it a record with
   * trigger "failure" while the client gets exactly the handler's answer.
   */
  @Post(':id/refund')
  @HttpCode(200)
  refund(@Param('id') id: string) {
    this.hud.setFailure('refund declined by the payment provider', { order_id: id });
    return { id, refund: 'pending-manual-review' };
  }

  /** Answers 503 without throwing: a record with trigger "status". */
  @Get('maintenance')
  @HttpCode(503)
  maintenance() {
    this.hud.set('window', 'nightly-reindex');
    return { retryAfterSeconds: 60 };
  }

  /** Succeeds, but slower than its own threshold: a record with trigger "duration". */
  @Get('report')
  @HudSlowThreshold(150)
  async report() {
    this.hud.set('report', 'monthly');
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { rows: 42 };
  }

  /**
   * Succeeds at once; the `order.shipped` listener runs on after the response and sometimes
   * fails: a record of its own, with this request's context.
   */
  @Post(':id/ship')
  ship(@Param('id') id: string) {
    this.hud.set('order_id', id);
    this.events.emit('order.shipped', { orderId: id });
    return { id, status: 'shipping' };
  }

  /**
   * The invoice renderer breaks on one client's currency: initech's requests fail 7 times in
   * 10, everybody else's 1 in 20. `HudForensics.suspects()` names client_id = initech.
   */
  @Get(':id/invoice')
  invoice(@Param('id') id: string, @HudContext('client_id') clientId?: string) {
    this.hud.set({ order_id: id, currency: clientId === 'initech' ? 'CHF' : 'EUR' });
    const n = Number.parseInt(id, 10) || 0;
    if (clientId === 'initech' ? n % 10 < 7 : n % 20 === 13) throw new Error('invoice template: no exchange rate');
    return { id, total: 42 };
  }

  /** Succeeds quickly: no record. */
  @Get(':id')
  find(@Param('id') id: string) {
    this.hud.set('order_id', id);
    return { id, status: 'shipped' };
  }
}
