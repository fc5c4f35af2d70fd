// Child process for the fleet test: one instance of a service, as a pod would run it, with its
// own OpenTelemetry SDK (the meter provider is global to a process, so each instance needs one)
// exposing its metrics to Prometheus. Argv: one JSON object (see InstanceConfig). Prints one JSON
// line with its ports once listening; exits on SIGTERM.
//
// `naming: 'exporter'` serves /metrics with @opentelemetry/exporter-prometheus' own handler;
// `naming: 'collector'` serves the same data named as the OpenTelemetry Collector's prometheus
// exporter names it (the unit in the histogram's name: hud_invocation_duration_milliseconds_*).
import 'reflect-metadata';
import { createServer } from 'node:http';
import { Controller, Get, Headers, Module, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { HudModule, setContext } from 'nestjs-hud';

export interface InstanceConfig {
  service: string;
  version: string;
  naming: 'exporter' | 'collector';
  /** Every call of this tier fails (throws). */
  failTier?: string;
  /** Every call of this tier takes this long. */
  slowTier?: { tier: string; ms: number };
  /** Serve the inspector, with its Fleet section reading this Prometheus. */
  inspector?: { token: string; prometheusUrl: string };
}

const config = JSON.parse(process.argv[2]) as InstanceConfig;

/** The Collector's names: `_milliseconds` after the histogram's name (and no `# UNIT` line). */
function collectorNaming(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('# UNIT '))
    .map((line) => line.replace(/^((?:# (?:HELP|TYPE) )?)hud_invocation_duration(?=[_{ ])/, '$1hud_invocation_duration_milliseconds'))
    .join('\n');
}

@Controller()
class OrdersController {
  @Get('orders')
  async orders(@Headers('x-user-tier') tier: string, @Query('fail') fail?: string) {
    setContext({ user_tier: tier });
    if (config.slowTier?.tier === tier) await new Promise((resolve) => setTimeout(resolve, config.slowTier!.ms));
    if (fail === '1' || config.failTier === tier) throw new Error(`order failed for ${tier}`);
    return { ok: true };
  }

  @Get('health')
  health() {
    return { ok: true };
  }
}

const exporter = new PrometheusExporter({ preventServerStart: true });
const provider = new MeterProvider({ readers: [exporter] });
metrics.setGlobalMeterProvider(provider);

@Module({
  imports: [
    HudModule.forRoot({
      service: config.service,
      version: config.version,
      exporters: [],
      fromHeaders: { user_tier: 'x-user-tier' },
      metrics: { keys: ['user_tier'] },
      ...(config.inspector !== undefined
        ? { inspector: { token: config.inspector.token, fleet: { prometheusUrl: config.inspector.prometheusUrl, timeoutMs: 10_000 } } }
        : {}),
    }),
  ],
  controllers: [OrdersController],
})
class AppModule {}

const serializer = new PrometheusSerializer();
const metricsServer = createServer((request, response) => {
  if (config.naming === 'exporter') return exporter.getMetricsRequestHandler(request, response);
  void exporter.collect().then(({ resourceMetrics }) => {
    response.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    response.end(collectorNaming(serializer.serialize(resourceMetrics)));
  });
});
await new Promise<void>((resolve) => metricsServer.listen(0, '127.0.0.1', resolve));

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
const address = (server: { address(): unknown }) => (server.address() as { port: number }).port;
process.stdout.write(`${JSON.stringify({ appPort: address(app.getHttpServer()), metricsPort: address(metricsServer) })}\n`);

// An instance going away is all the test needs: no graceful shutdown to wait for.
process.once('SIGTERM', () => process.exit(0));
