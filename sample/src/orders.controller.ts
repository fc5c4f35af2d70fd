import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { HudContextService } from 'nestjs-hud';

interface CreateOrderDto {
  items?: string[];
  express?: boolean;
}

@Controller('orders')
export class OrdersController {
  constructor(
    private readonly hud: HudContextService,
    private readonly events: EventEmitter2,
  ) {}

  /** Always fails: one forensics record with the caller's context. */
  @Post()
  create(@Body() dto: CreateOrderDto) {
    this.hud.set({ feature: 'checkout-v2', order_items: dto.items?.length ?? 0, express: dto.express ?? false });
    throw new Error('payment gateway timeout');
  }

  /** Succeeds, but slower than slowThresholdMs: a record with trigger "duration". */
  @Get('report')
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

  /** Succeeds quickly: no record. */
  @Get(':id')
  find(@Param('id') id: string) {
    this.hud.set('order_id', id);
    return { id, status: 'shipped' };
  }
}
