import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HudForensics } from './forensics/hud-forensics.js';
import { getActiveRuntime, HudRuntime, setActiveRuntime } from './hud.runtime.js';

/** Makes the runtime reachable from decorators at start, and flushes records at shutdown. */
@Injectable()
export class HudLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly runtime: HudRuntime,
    private readonly forensics: HudForensics,
  ) {}

  onModuleInit(): void {
    if (this.runtime.options.enabled) setActiveRuntime(this.runtime);
  }

  async onApplicationShutdown(): Promise<void> {
    if (getActiveRuntime() === this.runtime) setActiveRuntime(undefined);
    await this.forensics.shutdown();
  }
}
