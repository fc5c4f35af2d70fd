import { Body, Controller, Inject, Post } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { SetHudContext } from 'nestjs-hud';
import { firstValueFrom } from 'rxjs';

export const INVENTORY_CLIENT = 'INVENTORY_CLIENT';

/** Sends a message to the inventory microservice; both fail, each with its own record. */
@Controller('reservations')
export class ReservationsController {
  constructor(@Inject(INVENTORY_CLIENT) private readonly inventory: ClientProxy) {}

  @Post()
  @SetHudContext({ feature: 'reservations' })
  reserve(@Body() request: { sku?: string; quantity?: number }) {
    return firstValueFrom(this.inventory.send('inventory.reserve', request));
  }
}
