// Compiled (not run) in each consumer app with the repo's TypeScript, under the module
// settings such an app uses, against the installed tarball's declarations.
import { Controller, Get, Module } from '@nestjs/common';
import {
  HudContextService,
  HudContextValidationError,
  HudModule,
  MemoryExporter,
  getContext,
  setContext,
  type ForensicsRecord,
  type HudContextValue,
  type HudModuleOptions,
} from 'nestjs-hud';

const memory = new MemoryExporter();
const options: HudModuleOptions = { service: 'orders-api', exporters: [memory], slowThresholdMs: false };

@Controller('orders')
class OrdersController {
  constructor(private readonly hud: HudContextService) {}

  @Get()
  list(): Readonly<Record<string, HudContextValue>> {
    this.hud.set({ order_items: 3 });
    setContext({ client_id: 'acme', absent: undefined });
    return getContext();
  }
}

@Module({ imports: [HudModule.forRoot(options)], controllers: [OrdersController] })
export class AppModule {}

export function firstError(): Promise<ForensicsRecord> {
  return memory.waitFor((record) => record.trigger === 'error');
}

export function isValidationError(error: unknown): boolean {
  return error instanceof HudContextValidationError;
}

// The declarations are real types, not `any`: an object is no context value.
// @ts-expect-error
setContext({ nested: { not: 'allowed' } });

// A declared context shape is checked against the published declarations too.
interface OrdersContext {
  client_id: string;
  user_tier: 'free' | 'pro';
}
export function typedContext(hud: HudContextService<OrdersContext>): 'free' | 'pro' | undefined {
  hud.set({ user_tier: 'pro' });
  setContext<OrdersContext>({ client_id: 'acme' });
  // @ts-expect-error
  hud.set({ user_tier: 'gold' });
  return hud.get('user_tier');
}
