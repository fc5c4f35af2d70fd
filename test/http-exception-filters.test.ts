import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  HttpException,
  HttpStatus,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestInterceptor,
  type NestMiddleware,
  type NestModule,
  type PipeTransform,
  Query,
  RequestMethod,
  UseFilters,
  UseGuards,
  UseInterceptors,
  type Type,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { HudModule, MemoryExporter, type ForensicsRecord } from 'nestjs-hud';
import { PLATFORMS, startHttpApp, type Platform, type RunningApp } from './support/http-app.js';

const middlewareMemory = new MemoryExporter();

/** Where the routes throw. Middleware only ever meets global filters (Nest's rule). */
const SITES = ['guard', 'interceptor', 'pipe', 'middleware', 'handler'] as const;

class SiteError extends Error {
  override name = 'SiteError';
}

@Injectable()
class ThrowingGuard implements CanActivate {
  canActivate(): boolean {
    throw new SiteError('thrown in guard');
  }
}

@Injectable()
class ThrowingInterceptor implements NestInterceptor {
  intercept(_context: unknown, _next: CallHandler): never {
    throw new SiteError('thrown in interceptor');
  }
}

@Injectable()
class ThrowingPipe implements PipeTransform {
  transform(): never {
    throw new SiteError('thrown in pipe');
  }
}

@Injectable()
class ThrowingMiddleware implements NestMiddleware {
  use(): never {
    throw new SiteError('thrown in middleware');
  }
}

/** The filter of Nest's documentation ("Catch everything"), without the timestamp it adds. */
@Catch()
class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly httpAdapterHost: HttpAdapterHost) {}
  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.httpAdapterHost;
    const ctx = host.switchToHttp();
    const status = exception instanceof HttpException ? exception.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    httpAdapter.reply(ctx.getResponse(), { statusCode: status, path: httpAdapter.getRequestUrl(ctx.getRequest()) }, status);
  }
}

/** A catch-all that answers 422, a status nestjs-hud would not record by itself. */
@Catch()
class UnprocessableFilter implements ExceptionFilter {
  constructor(private readonly httpAdapterHost: HttpAdapterHost) {}
  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.httpAdapterHost;
    const message = exception instanceof Error ? exception.message : String(exception);
    httpAdapter.reply(host.switchToHttp().getResponse(), { error: 'unprocessable', message }, 422);
  }
}

/** A catch-all of another shape (503 and a header), for the scoped styles. */
@Catch()
class ScopedCatchAllFilter implements ExceptionFilter {
  constructor(private readonly httpAdapterHost: HttpAdapterHost) {}
  catch(_exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.httpAdapterHost;
    const response = host.switchToHttp().getResponse();
    httpAdapter.setHeader(response, 'x-handled-by', 'scoped');
    httpAdapter.reply(response, { handled: 'scoped' }, 503);
  }
}

interface FilterStyle {
  name: string;
  /** Providers of the app module (APP_FILTER). */
  providers?: unknown[];
  /** Filters bound on the controller class, or on each route method. */
  controllerFilters?: Type<ExceptionFilter>[];
  methodFilters?: Type<ExceptionFilter>[];
  /** Filters registered in main.ts. */
  globalFilters?: (app: RunningApp['app']) => ExceptionFilter[];
}

const STYLES: FilterStyle[] = [
  { name: 'app.useGlobalFilters(AllExceptionsFilter) answering 500', globalFilters: (app) => [new AllExceptionsFilter(app.get(HttpAdapterHost))] },
  { name: 'app.useGlobalFilters() with a catch-all answering 422', globalFilters: (app) => [new UnprocessableFilter(app.get(HttpAdapterHost))] },
  { name: 'an APP_FILTER catch-all', providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }] },
  { name: 'a controller-level @UseFilters() catch-all', controllerFilters: [ScopedCatchAllFilter] },
  { name: 'a method-level @UseFilters() with @Catch() of everything', methodFilters: [ScopedCatchAllFilter] },
];

/** A fresh controller class per app, so the app without HudModule shares nothing with the other. */
function controllerFor(style: FilterStyle): Type<unknown> {
  @Controller('f')
  class FilteredController {
    @Get('guard')
    @UseGuards(ThrowingGuard)
    guard() {
      return { ok: true };
    }

    @Get('interceptor')
    @UseInterceptors(ThrowingInterceptor)
    interceptor() {
      return { ok: true };
    }

    @Get('pipe')
    pipe(@Query('q', ThrowingPipe) q: string) {
      return { q };
    }

    @Get('middleware')
    middleware() {
      return { ok: true };
    }

    @Get('handler')
    handler() {
      throw new SiteError('thrown in handler');
    }
  }
  if (style.controllerFilters) UseFilters(...style.controllerFilters)(FilteredController);
  for (const site of SITES) {
    if (!style.methodFilters) break;
    const descriptor = Object.getOwnPropertyDescriptor(FilteredController.prototype, site)!;
    UseFilters(...style.methodFilters)(FilteredController.prototype, site, descriptor);
  }
  return FilteredController;
}

function appFor(style: FilterStyle, memory: MemoryExporter | undefined): Type<unknown> {
  @Module({
    imports: memory ? [HudModule.forRoot({ exporters: [memory], rateLimit: false, slowThresholdMs: false })] : [],
    controllers: [controllerFor(style)],
    providers: (style.providers ?? []) as never[],
  })
  class AppModule implements NestModule {
    configure(consumer: MiddlewareConsumer) {
      consumer.apply(ThrowingMiddleware).forRoutes({ path: 'f/middleware', method: RequestMethod.GET });
    }
  }
  return AppModule;
}

async function start(platform: Platform, style: FilterStyle, memory?: MemoryExporter): Promise<RunningApp> {
  return startHttpApp(platform, { imports: [appFor(style, memory)] }, (app) => {
    if (style.globalFilters) app.useGlobalFilters(...style.globalFilters(app));
  });
}

interface Answer {
  status: number;
  contentType: string | null;
  handledBy: string | null;
  body: string;
}

async function answerOf(url: string): Promise<Answer> {
  const response = await fetch(url);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    handledBy: response.headers.get('x-handled-by'),
    body: await response.text(),
  };
}

for (const platform of PLATFORMS) {
  for (const style of STYLES) {
    describe(`errors under ${style.name}, on ${platform}`, () => {
      const memory = new MemoryExporter();
      let withHud: RunningApp;
      let withoutHud: RunningApp;
      before(async () => {
        withHud = await start(platform, style, memory);
        withoutHud = await start(platform, style);
      });
      after(async () => {
        await withHud.close();
        await withoutHud.close();
      });

      for (const site of SITES) {
        it(`records an error thrown in the ${site} with trigger error, and the client gets the same answer`, async () => {
          const path = `/f/${site}?q=1`;
          const expected = await answerOf(`${withoutHud.url}${path}`);
          const actual = await answerOf(`${withHud.url}${path}`);
          assert.deepEqual(actual, expected, 'the answer is the one the app gives without HudModule');

          const record: ForensicsRecord = await memory.waitFor((r) => r.invocation.http?.url === `/f/${site}`);
          assert.equal(record.trigger, 'error');
          assert.equal(record.error?.name, 'SiteError');
          assert.equal(record.error?.message, `thrown in ${site}`);
          assert.equal(record.invocation.http?.statusCode, actual.status);
          assert.equal(record.invocation.name, `GET /f/${site}`);
        });
      }
    });
  }
}

@Injectable()
class FailingOrdersMiddleware implements NestMiddleware {
  use(): never {
    throw new SiteError('thrown in orders middleware');
  }
}

@Controller('orders')
class OrdersController {
  @Get(':id')
  order() {
    return { ok: true };
  }
}

@Module({
  imports: [HudModule.forRoot({ exporters: [middlewareMemory], rateLimit: false, slowThresholdMs: false })],
  controllers: [OrdersController],
})
class MiddlewareUrlModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    // bound to a path: @fastify/middie strips it from the URL while the middleware runs
    consumer.apply(FailingOrdersMiddleware).forRoutes(OrdersController);
  }
}

for (const platform of PLATFORMS) {
  describe(`a failure in Nest middleware on ${platform}`, () => {
    let running: RunningApp;
    before(async () => {
      running = await startHttpApp(platform, { imports: [MiddlewareUrlModule] });
    });
    after(() => running.close());

    it('records the URL the client sent, without its query string', async () => {
      middlewareMemory.clear();
      const response = await fetch(`${running.url}/orders/7?token=secret`);
      assert.equal(response.status, 500);
      await response.text();
      const record = await middlewareMemory.waitFor();
      assert.equal(record.invocation.http?.url, '/orders/7');
      assert.equal(record.error?.message, 'thrown in orders middleware');
      assert.equal(record.invocation.name, 'GET /orders/:id');
    });
  });
}
