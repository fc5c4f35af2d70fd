import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HudOptions } from '../hud.options.js';
import { installLoggerBreadcrumbs, uninstallLoggerBreadcrumbs } from './nest-logger.patch.js';

/** Turns Nest `Logger` lines into breadcrumbs while the module runs (`breadcrumbs.logger`). */
@Injectable()
export class LoggerBreadcrumbsLifecycle implements OnModuleInit, OnModuleDestroy {
  private installed = false;

  constructor(private readonly options: HudOptions) {}

  onModuleInit(): void {
    const { enabled, breadcrumbs } = this.options;
    if (this.installed || !enabled || breadcrumbs === false || !breadcrumbs.logger) return;
    installLoggerBreadcrumbs();
    this.installed = true;
  }

  onModuleDestroy(): void {
    if (!this.installed) return;
    this.installed = false;
    uninstallLoggerBreadcrumbs();
  }
}
