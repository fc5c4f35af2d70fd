import type { INestApplication, Type } from '@nestjs/common';
import { FROM_HEADERS } from './bench-headers.js';
import { benchModule } from './bench-module.js';

export type Platform = 'express' | 'fastify';

/** What a variant's server process builds. */
export interface VariantSetup {
  /** The root module. */
  module: Type;
  /** Runs on the created app before `listen`. */
  configure?: (app: INestApplication, platform: Platform) => void;
  /** Extra figures the server reports with its CPU time (e.g. records exported). */
  report?: (app: INestApplication) => Record<string, number>;
}

/** One way of serving GET /hello. */
export interface Variant {
  name: string;
  description: string;
  /**
   * Builds the setup. Libraries are imported here, lazily, so that a variant's process
   * loads no context library it does not use (`bare` loads neither nestjs-hud nor nestjs-cls).
   */
  load: () => Promise<VariantSetup>;
}

/** The analyses added after 0.1.0, off: a variant with these does 0.1.0's work on this version. */
const NO_ANALYSIS = { suspects: false, slowBaseline: false, breadcrumbs: false } as const;

/** hud-error and its variants: every request sets the 3 keys and throws; each record is counted. */
async function hudErrorApp(options: typeof NO_ANALYSIS | Record<string, never>): Promise<VariantSetup> {
  const { HudForensics, HudModule } = await import('nestjs-hud');
  const { HudErrorController } = await import('./hud.controllers.js');
  const { CountingExporter } = await import('./counting.exporter.js');
  const counting = new CountingExporter();
  return {
    module: benchModule({
      imports: [HudModule.forRoot({ exporters: [counting], rateLimit: false, ...options })],
      controllers: [HudErrorController],
    }),
    report: (app) => {
      const stats = app.get(HudForensics).stats();
      return {
        exported: counting.records,
        recorded: stats.recorded,
        droppedByQueue: stats.droppedByQueue,
        droppedByRateLimit: stats.droppedByRateLimit,
        queued: stats.queued,
      };
    },
  };
}

/** Every variant, in the order the table prints them. */
export const VARIANTS: readonly Variant[] = [
  {
    name: 'bare',
    description: 'no context library',
    load: async () => {
      const { HelloController } = await import('./hello.controller.js');
      return { module: benchModule({ controllers: [HelloController] }) };
    },
  },
  {
    name: 'hud-handler',
    description: 'HudModule.forRoot(); 3 keys set from headers in the handler through HudContextService',
    load: async () => {
      const { HudModule } = await import('nestjs-hud');
      const { HudHandlerController } = await import('./hud.controllers.js');
      return { module: benchModule({ imports: [HudModule.forRoot({})], controllers: [HudHandlerController] }) };
    },
  },
  {
    name: 'hud-handler-no-suspects',
    description: 'hud-handler with suspects: false (no per-value counting): the cost of suspects is the difference',
    load: async () => {
      const { HudModule } = await import('nestjs-hud');
      const { HudHandlerController } = await import('./hud.controllers.js');
      return { module: benchModule({ imports: [HudModule.forRoot({ suspects: false })], controllers: [HudHandlerController] }) };
    },
  },
  {
    name: 'hud-handler-no-baseline',
    description: 'hud-handler with slowBaseline: false (no latency sketch per name)',
    load: async () => {
      const { HudModule } = await import('nestjs-hud');
      const { HudHandlerController } = await import('./hud.controllers.js');
      return { module: benchModule({ imports: [HudModule.forRoot({ slowBaseline: false })], controllers: [HudHandlerController] }) };
    },
  },
  {
    name: 'hud-handler-no-analysis',
    description: 'hud-handler with suspects, slowBaseline and breadcrumbs off: what 0.1.0 did, on this version',
    load: async () => {
      const { HudModule } = await import('nestjs-hud');
      const { HudHandlerController } = await import('./hud.controllers.js');
      return { module: benchModule({ imports: [HudModule.forRoot(NO_ANALYSIS)], controllers: [HudHandlerController] }) };
    },
  },
  {
    name: 'hud-logging',
    description: 'hud-handler + 3 Nest Logger lines per request (logger: false), each a breadcrumb',
    load: async () => {
      const { HudModule } = await import('nestjs-hud');
      const { HudLoggingController } = await import('./hud.controllers.js');
      return { module: benchModule({ imports: [HudModule.forRoot({})], controllers: [HudLoggingController] }) };
    },
  },
  {
    name: 'hud-logging-no-breadcrumbs',
    description: 'hud-logging with breadcrumbs: false',
    load: async () => {
      const { HudModule } = await import('nestjs-hud');
      const { HudLoggingController } = await import('./hud.controllers.js');
      return { module: benchModule({ imports: [HudModule.forRoot({ breadcrumbs: false })], controllers: [HudLoggingController] }) };
    },
  },
  {
    name: 'hud-headers',
    description: 'HudModule.forRoot({ fromHeaders }); the same 3 keys with no code',
    load: async () => {
      const { HudModule } = await import('nestjs-hud');
      const { HelloController } = await import('./hello.controller.js');
      return {
        module: benchModule({ imports: [HudModule.forRoot({ fromHeaders: { ...FROM_HEADERS } })], controllers: [HelloController] }),
      };
    },
  },
  {
    name: 'hud-middleware',
    description: 'HudModule.forRoot(); an app middleware calling setContext with the 3 keys',
    load: async () => {
      const { HudModule } = await import('nestjs-hud');
      const { HelloController } = await import('./hello.controller.js');
      const { HudContextMiddleware } = await import('./hud-context.middleware.js');
      return { module: benchModule({ imports: [HudModule.forRoot({})], controllers: [HelloController] }, HudContextMiddleware) };
    },
  },
  {
    name: 'noop-middleware',
    description: 'the same app middleware storing the 3 keys on the request; no context library',
    load: async () => {
      const { HelloController } = await import('./hello.controller.js');
      const { NoopContextMiddleware } = await import('./noop-context.middleware.js');
      return { module: benchModule({ controllers: [HelloController] }, NoopContextMiddleware) };
    },
  },
  {
    name: 'hud-disabled',
    description: 'hud-handler with enabled: false',
    load: async () => {
      const { HudModule } = await import('nestjs-hud');
      const { HudHandlerController } = await import('./hud.controllers.js');
      return { module: benchModule({ imports: [HudModule.forRoot({ enabled: false })], controllers: [HudHandlerController] }) };
    },
  },
  {
    name: 'als-floor',
    description: 'adapter-level hook doing one AsyncLocalStorage.run + 3 sets; no middleware, no interceptor',
    load: async () => {
      const { HelloController } = await import('./hello.controller.js');
      const { installAlsFloor } = await import('./als-floor.js');
      return { module: benchModule({ controllers: [HelloController] }), configure: installAlsFloor };
    },
  },
  {
    name: 'floor-interceptor',
    description: 'als-floor + a pass-through global interceptor (return next.handle())',
    load: async () => {
      const { APP_INTERCEPTOR } = await import('@nestjs/core');
      const { HelloController } = await import('./hello.controller.js');
      const { installAlsFloor, PassThroughInterceptor } = await import('./als-floor.js');
      return {
        module: benchModule({
          controllers: [HelloController],
          providers: [{ provide: APP_INTERCEPTOR, useClass: PassThroughInterceptor }],
        }),
        configure: installAlsFloor,
      };
    },
  },
  {
    name: 'nestjs-cls',
    description: 'nestjs-cls 6 with its middleware mounted; 3 cls.set calls in the handler',
    load: async () => {
      const { ClsModule } = await import('nestjs-cls');
      const { ClsHandlerController } = await import('./cls.controller.js');
      return {
        module: benchModule({
          imports: [ClsModule.forRoot({ global: true, middleware: { mount: true } })],
          controllers: [ClsHandlerController],
        }),
      };
    },
  },
  {
    name: 'scope-request',
    description: 'a Scope.REQUEST provider injected into the controller, holding the 3 keys',
    load: async () => {
      const { RequestContextHolder, ScopedHandlerController } = await import('./scoped.controller.js');
      return { module: benchModule({ controllers: [ScopedHandlerController], providers: [RequestContextHolder] }) };
    },
  },
  {
    name: 'hud-error',
    description: 'every request sets the 3 keys, then throws; every record built (rateLimit: false) and counted',
    load: () => hudErrorApp({}),
  },
  {
    name: 'hud-error-no-analysis',
    description: 'hud-error with suspects, slowBaseline and breadcrumbs off: what 0.1.0 did, through this version\'s record pipeline',
    load: () => hudErrorApp(NO_ANALYSIS),
  },
  {
    name: 'bare-error',
    description: 'the same throwing handler without any context library: the baseline of hud-error',
    load: async () => {
      const { BareErrorController } = await import('./hello.controller.js');
      return { module: benchModule({ controllers: [BareErrorController] }) };
    },
  },
];

export function variantNamed(name: string): Variant {
  const variant = VARIANTS.find((v) => v.name === name);
  if (variant === undefined) throw new Error(`unknown variant "${name}" (known: ${VARIANTS.map((v) => v.name).join(', ')})`);
  return variant;
}
