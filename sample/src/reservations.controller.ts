import { Body, Controller, Inject, Post } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { SetHudContext, withHudPropagation } from 'nestjs-hud';
import { firstValueFrom } from 'rxjs';

export const INVENTORY_CLIENT = 'INVENTORY_CLIENT';

/** Sends a message to the inventory microservice; both fail, each with its own record. */
@Controller('reservations')
export class ReservationsController {
  private readonly inventory: ClientProxy;

  /** Wrapped so each message carries the request's client_id and user_tier (propagation). */
  constructor(@Inject(INVENTORY_CLIENT) inventory: ClientProxy) {
    this.inventory = withHudPropagation(inventory);
  }

  @Post()
  @SetHudContext({ feature: 'reservations' })
  reserve(@Body() request: { sku?: string; quantity?: number }) {
    return firstValueFrom(this.inventory.send('inventory.reserve', request));
  }
}
