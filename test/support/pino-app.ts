import type { DynamicModule, Type } from '@nestjs/common';
import { Logger as PinoNestLogger, LoggerModule } from 'nestjs-pino';
import { hudLogFields } from 'nestjs-hud';
import { startHttpApp, type RunningApp } from './http-app.js';

/**
 * An Express app with the documented nestjs-pino setup (one `mixin: () => hudLogFields()`,
 * the app's logger replaced by nestjs-pino's), every pino line parsed into `lines`.
 */
export function startPinoApp(hudModule: DynamicModule, controllers: Type[], lines: Array<Record<string, unknown>>): Promise<RunningApp> {
  return startHttpApp(
    'express',
    {
      imports: [
        hudModule,
        LoggerModule.forRoot({
          pinoHttp: [{ mixin: () => hudLogFields() }, { write: (line: string) => void lines.push(JSON.parse(line)) }],
        }),
      ],
      controllers,
    },
    (app) => app.useLogger(app.get(PinoNestLogger)),
  );
}
