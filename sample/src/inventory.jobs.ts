import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Interval } from '@nestjs/schedule';
import { HudInvocation, setContext } from 'nestjs-hud';

/** Background work no request reaches: each run is its own invocation (kind `job`). */
@Injectable()
export class InventoryJobs {
  private run = 0;

  /** Every 20 s; about one run in three fails and writes a record named `inventory.sync`. */
  @Interval(20_000)
  @HudInvocation('inventory.sync')
  async sync() {
    const run = ++this.run;
    const warehouse = ['north', 'south', 'east'][run % 3]!;
    setContext({ warehouse, run });
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (Math.random() < 1 / 3) throw new Error(`warehouse ${warehouse} did not answer`);
  }

  /**
   * Emitted by `POST /orders/:id/ship` without waiting: the listener outlives the request, and
   * when it fails (about one time in two) it writes a record of its own, named
   * `InventoryJobs.onShipped`, carrying the request's context (client_id...).
   */
  @OnEvent('order.shipped')
  @HudInvocation()
  async onShipped(event: { orderId: string }) {
    setContext({ shipped_order: event.orderId });
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (Math.random() < 0.5) throw new Error(`carrier rejected order ${event.orderId}`);
  }
}
