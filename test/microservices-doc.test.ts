import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom } from 'rxjs';
import { HudModule, MemoryExporter } from 'nestjs-hud';
import { importDocSnippet } from './support/doc-snippets.js';
import { RPC_TRANSPORTS, startMicroservice, type RunningMicroservice } from './support/rpc-app.js';

// docs/microservices.md's controller, run as the page writes it (compiled from the page), on
// every transport the page's snippets use and its tests name: TCP (the hybrid main.ts), Redis
// (the standalone main.ts), NATS and MQTT. Its @SetHudContext reads the transport's own
// context; one that read TcpContext only would lose its whole context on the others.

for (const transport of RPC_TRANSPORTS) {
  describe(`docs/microservices.md's InventoryController over ${transport}`, () => {
    const memory = new MemoryExporter();
    let running: RunningMicroservice;

    before(async () => {
      const { InventoryController } = await importDocSnippet<{ InventoryController: Function }>('microservices.md', 'inventory.controller.ts');
      running = await startMicroservice(transport, {
        imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false, strict: false })],
        controllers: [InventoryController as never],
      });
    });
    after(() => running.close());

    it('records the failing message with the context of the guard, @SetHudContext (payload and transport) and the handler', async () => {
      await assert.rejects(firstValueFrom(running.client.send('inventory.reserve', { sku: 'A-1', quantity: 3, tenant: 'acme' })), (error: { message?: unknown }) => error.message === 'warehouse offline');
      const record = await memory.waitFor((r) => r.invocation.name === 'inventory.reserve');
      assert.equal(record.invocation.rpc?.transport, transport);
      assert.deepEqual(record.context, { tenant: 'acme', sku: 'A-1', channel: 'inventory.reserve', quantity: 3 });
      assert.equal(record.dropped, undefined, 'nothing dropped');
    });
  });
}
