import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Injectable, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { getContext, HudForensics, HudModule, MemoryExporter, setContext } from 'nestjs-hud';
import { uniqueName } from './support/redis.js';
import { outcomeOf, RPC_TRANSPORTS, startMicroservice, type RunningMicroservice } from './support/rpc-app.js';

const MESSAGES = 200;
const randomDelay = () => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 15)));

interface Message {
  id: number;
  fail: boolean;
}

/** Sets the message's id after a random pause, so guards of many messages interleave. */
@Injectable()
class MessageIdGuard implements CanActivate {
  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    await randomDelay();
    setContext({ guard_id: ctx.switchToRpc().getData<Message>().id });
    return true;
  }
}

function isolationController(pattern: string) {
  @Controller()
  class IsolationController {
    @MessagePattern(pattern)
    @UseGuards(MessageIdGuard)
    async handle(@Payload() message: Message) {
      await randomDelay();
      setContext({ handler_id: message.id });
      await Promise.all([randomDelay(), randomDelay()]);
      const seen = getContext();
      if (message.fail) throw new Error(`message ${message.id} failed`);
      return seen;
    }
  }
  return IsolationController;
}

for (const transport of RPC_TRANSPORTS) {
  describe(`isolation of concurrent messages over ${transport}`, () => {
    const exporter = new MemoryExporter();
    const pattern = uniqueName('hud-iso');
    let running: RunningMicroservice;

    before(async () => {
      running = await startMicroservice(transport, {
        // slowness is not what this test is about: on a loaded machine a success may take a second
        imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: false })],
        controllers: [isolationController(pattern)],
      });
    });
    after(() => running?.close());

    it(`keeps each of ${MESSAGES} concurrent messages' context to itself, in replies and in records`, async () => {
      const messages: Message[] = Array.from({ length: MESSAGES }, (_, id) => ({ id, fail: id % 2 === 1 }));
      const outcomes = await Promise.all(messages.map((message) => outcomeOf(running.client, pattern, message)));

      for (const message of messages) {
        const outcome = outcomes[message.id];
        if (message.fail) assert.ok('error' in outcome, `message ${message.id}`);
        else assert.deepEqual(outcome, { value: { guard_id: message.id, handler_id: message.id } });
      }

      await running.app.get(HudForensics).flush();
      const failing = messages.filter((m) => m.fail);
      assert.equal(exporter.records.length, failing.length, 'one record per failing message, none for the others');
      const byMessage = new Map(exporter.records.map((r) => [r.error?.message, r]));
      for (const { id } of failing) {
        const record = byMessage.get(`message ${id} failed`);
        assert.ok(record, `record of message ${id}`);
        assert.deepEqual(record.context, { guard_id: id, handler_id: id });
        assert.equal(record.invocation.name, pattern);
      }
    });
  });
}
