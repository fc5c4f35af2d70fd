import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { HudModuleOptions } from './hud.options.js';

export const {
  ConfigurableModuleClass: HudConfigurableModule,
  MODULE_OPTIONS_TOKEN: HUD_MODULE_OPTIONS,
  OPTIONS_TYPE: HUD_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: HUD_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<HudModuleOptions>({ moduleName: 'Hud' })
  .setClassMethodName('forRoot')
  .setExtras({}, (definition) => ({ ...definition, global: true }))
  .build();
