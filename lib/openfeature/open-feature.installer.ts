import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Invocation } from '../context/invocation.js';
import { HudRuntime } from '../hud.runtime.js';
import { HudOpenFeatureHook } from './hud-open-feature.hook.js';
import { loadOpenFeatureApi, type OpenFeatureHooksApi } from './openfeature-sdk.loader.js';

/** The hook `openFeature` registers: it records the flags of its own app's invocations only. */
class ModuleOpenFeatureHook extends HudOpenFeatureHook {
  constructor(
    private readonly runtime: HudRuntime,
    maxFlags: number,
  ) {
    super({ maxFlags });
  }

  protected override accepts(invocation: Invocation): boolean {
    return invocation.runtime === this.runtime;
  }
}

/**
 * With `openFeature` on, adds a `HudOpenFeatureHook` to OpenFeature's global hooks when the
 * module starts (before any request), and takes it off when the app closes, so several
 * apps in one process each record their own. Start-up fails with a clear message when
 * `@openfeature/server-sdk` is not installed.
 */
@Injectable()
export class HudOpenFeatureInstaller implements OnModuleInit, OnApplicationShutdown {
  private installed: { api: OpenFeatureHooksApi; hook: HudOpenFeatureHook } | undefined;

  constructor(private readonly runtime: HudRuntime) {}

  async onModuleInit(): Promise<void> {
    const options = this.runtime.options.openFeature;
    if (!this.runtime.options.enabled || options === undefined) return;
    const api = await loadOpenFeatureApi();
    if (api === undefined) {
      throw new Error(
        'HudModule: openFeature is on, but @openfeature/server-sdk cannot be loaded. Install it (npm install @openfeature/server-sdk) or remove the openFeature option.',
      );
    }
    const hook = new ModuleOpenFeatureHook(this.runtime, options.maxFlags);
    api.addHooks(hook);
    this.installed = { api, hook };
  }

  onApplicationShutdown(): void {
    const installed = this.installed;
    if (installed === undefined) return;
    this.installed = undefined;
    try {
      // OpenFeature has no removeHook: put back every hook but ours
      const others = installed.api.getHooks().filter((hook) => hook !== installed.hook);
      installed.api.clearHooks();
      installed.api.addHooks(...others);
    } catch (error) {
      this.runtime.notes.warn('openfeature-remove', `openFeature: could not remove the hook at shutdown: ${String(error)}`);
    }
  }
}
