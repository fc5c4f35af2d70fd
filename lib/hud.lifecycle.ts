import { Injectable, type OnApplicationShutdown, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HudForensics } from './forensics/hud-forensics.js';
import { activateRuntime, deactivateRuntime, HudRuntime } from './hud.runtime.js';

/** Makes the runtime reachable from decorators at start, and flushes records at shutdown. */
@Injectable()
export class HudLifecycle implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  /** When `app.close()` began (its first hook): `shutdownTimeoutMs` counts from there. */
  private closingSince: number | undefined;

  constructor(
    private readonly runtime: HudRuntime,
    private readonly forensics: HudForensics,
  ) {}

  onModuleInit(): void {
    if (this.runtime.options.enabled) activateRuntime(this.runtime);
  }

  onModuleDestroy(): void {
    this.closingSince = performance.now();
  }

  /** Runs after Nest closed the HTTP server, so the last requests' records are in. */
  async onApplicationShutdown(): Promise<void> {
    deactivateRuntime(this.runtime);
    await this.forensics.shutdown(this.closingSince);
  }
}
