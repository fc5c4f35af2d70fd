import { Body, Controller, Module, Post, type DynamicModule } from '@nestjs/common';
import { BullModule, InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { setContext } from 'nestjs-hud';

const QUEUE = 'sample-emails';

/**
 * A BullMQ processor with no nestjs-hud code: each `process(job)` is an invocation named
 * `sample-emails:welcome`; a failing attempt writes a record with `job.queue`, `job.jobId`
 * and `job.attempt`.
 */
@Processor(QUEUE)
export class EmailsProcessor extends WorkerHost {
  async process(job: Job<{ to: string }>) {
    setContext({ recipient_domain: job.data.to.split('@')[1] ?? 'unknown' });
    if (job.data.to.includes('bounce')) throw new Error(`mailbox ${job.data.to} does not exist`);
    return { sent: true };
  }
}

@Controller('emails')
export class EmailsController {
  constructor(@InjectQueue(QUEUE) private readonly queue: Queue) {}

  @Post()
  async send(@Body() body: { to?: string }) {
    const job = await this.queue.add('welcome', { to: body.to ?? 'ada@example.com' }, { attempts: 2 });
    return { queued: job.id };
  }
}

/** Loaded by main.ts only when REDIS_URL is set, so the sample runs without Redis. */
@Module({})
export class EmailsModule {
  static forRedis(redisUrl: string): DynamicModule {
    const url = new URL(redisUrl);
    return {
      module: EmailsModule,
      imports: [
        BullModule.forRoot({
          connection: {
            host: url.hostname,
            port: Number(url.port || 6379),
            ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
          },
        }),
        BullModule.registerQueue({ name: QUEUE }),
      ],
      controllers: [EmailsController],
      providers: [EmailsProcessor],
    };
  }
}
