import { Controller } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { HudContext, SetHudContext, type HudContextHandle } from 'nestjs-hud';

/** A TCP message handler, served by this same process (see main.ts). */
@Controller()
export class InventoryController {
  /** Always fails: one record of kind "rpc", named "inventory.reserve". */
  @MessagePattern('inventory.reserve')
  @SetHudContext((ctx) => ({ sku: ctx.switchToRpc().getData<{ sku?: string }>().sku }))
  reserve(@Payload() request: { quantity?: number }, @HudContext() hud: HudContextHandle) {
    hud.set('quantity', request.quantity ?? 1);
    throw new RpcException('warehouse offline');
  }
}
