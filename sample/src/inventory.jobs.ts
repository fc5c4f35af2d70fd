import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Interval } from '@nestjs/schedule';
import { HudInvocation, setContext } from 'nestjs-hud';

/** Background work no request reaches: each run is its own invocation (kind `job`). */
@Injectable()
export class InventoryJobs {
  private run = 0;

  /**
   * Every 30 s. Every tenth run (once in five minutes) fails on purpose, to show a record of
   * a job no request started: named `inventory.sync`, with the warehouse and run in context.
   */
  @Interval(30_000)
  @HudInvocation('inventory.sync')
  async sync() {
    const run = ++this.run;
    const warehouse = ['north', 'south', 'east'][run % 3]!;
    setContext({ warehouse, run });
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (run % 10 === 0) {
      throw new Error(`deliberate failure of the sample's job (run ${run}, 1 in 10): warehouse ${warehouse} did not answer`);
    }
  }

  /**
   * Emitted by `POST /orders/:id/ship` without waiting: the listener outlives the request, and
   * when it fails (on purpose, about one time in two) it writes a record of its own, named
   * `InventoryJobs.onShipped`, carrying the request's context (client_id...).
   */
  @OnEvent('order.shipped')
  @HudInvocation()
  async onShipped(event: { orderId: string }) {
    setContext({ shipped_order: event.orderId });
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (Math.random() < 0.5) throw new Error(`deliberate failure of the sample's listener: carrier rejected order ${event.orderId}`);
  }
}
