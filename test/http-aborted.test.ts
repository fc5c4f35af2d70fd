import 'reflect-metadata';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Module, Res, Sse, StreamableFile, type MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import { HudForensics, HudModule, HudSlowThreshold, MemoryExporter, setContext, type ForensicsRecord } from 'nestjs-hud';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

/** One-shot signals between a handler and the test, so nothing depends on timing. */
class Signals {
  private readonly waiting = new Map<string, { promise: Promise<void>; fire: () => void }>();
  private entry(name: string) {
    let entry = this.waiting.get(name);
    if (entry === undefined) {
      let fire!: () => void;
      const promise = new Promise<void>((resolve) => (fire = resolve));
      entry = { promise, fire };
      this.waiting.set(name, entry);
    }
    return entry;
  }
  fire(name: string): void {
    this.entry(name).fire();
  }
  wait(name: string): Promise<void> {
    return this.entry(name).promise;
  }
  reset(): void {
    this.waiting.clear();
  }
}
const signals = new Signals();

/** Resolves once the server side of the connection of `res` (an Express response or a Fastify reply) is closed. */
function connectionClosed(res: any): Promise<unknown> {
  const raw = res.raw ?? res;
  return raw.destroyed ? Promise.resolve() : once(raw, 'close');
}

/** A body stream that sends `firstChunk`, then fails with `error` once `signal` fires. */
function breakingStream(firstChunk: string, signal: string, error: Error): Readable {
  const stream = new Readable({ read() {} });
  stream.push(firstChunk);
  void signals.wait(signal).then(() => stream.destroy(error));
  return stream;
}

@Controller('abort')
class AbortingController {
  @Get('failing')
  async failing(@Res({ passthrough: true }) res: unknown) {
    setContext({ step: 'failing' });
    signals.fire('failing:started');
    await connectionClosed(res);
    throw new Error('gave up after the client left');
  }

  @Get('slow')
  @HudSlowThreshold(50)
  async slow(@Res({ passthrough: true }) res: unknown) {
    setContext({ step: 'slow' });
    signals.fire('slow:started');
    await connectionClosed(res);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { ok: true };
  }

  @Sse('events')
  @HudSlowThreshold(50)
  events(): Observable<MessageEvent> {
    setContext({ step: 'sse' });
    return new Observable<MessageEvent>((subscriber) => {
      subscriber.next({ data: 'first' });
      // the stream would fail much later; the client leaves before
      const timer = setTimeout(() => subscriber.error(new Error('feed lost')), 60_000);
      return () => clearTimeout(timer);
    });
  }

  @Get('file-midway')
  fileMidway() {
    setContext({ step: 'file-midway' });
    return new StreamableFile(breakingStream('x'.repeat(1024), 'midway:received', new Error('disk gone mid-way')));
  }

  @Get('file-early')
  fileEarly() {
    setContext({ step: 'file-early' });
    // fails as soon as the response starts reading it
    const stream = new Readable({
      read() {
        this.destroy(new Error('disk gone at once'));
      },
    });
    return new StreamableFile(stream);
  }

  @Get('download')
  download() {
    const stream = new Readable({ read() {} });
    stream.push('y'.repeat(1024));
    stream.once('close', () => signals.fire('download:released'));
    return new StreamableFile(stream);
  }

  @Get('crash')
  crash() {
    setContext({ step: 'crash' });
    throw new Error('plain crash');
  }
}

/** Sends GET `path` and returns the client request, with the response once its head arrives. */
function get(url: string, path: string): { request: http.ClientRequest; response: Promise<http.IncomingMessage> } {
  const request = http.get(`${url}${path}`, { agent: false });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  // the test destroys requests on purpose
  request.on('error', () => {});
  response.catch(() => {});
  return { request, response };
}

/** Resolves with what the response sent once it holds `expected` (or its first chunk). */
function received(response: http.IncomingMessage, expected = ''): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    const onData = (chunk: Buffer) => {
      body += chunk.toString('utf8');
      if (!body.includes(expected)) return;
      response.off('data', onData);
      resolve(body);
    };
    response.on('data', onData);
    response.on('error', () => {});
  });
}

for (const platform of PLATFORMS) {
  describe(`HTTP requests whose connection closes first, on ${platform}`, () => {
    const memory = new MemoryExporter();
    let running: RunningApp;
    before(async () => {
      @Module({
        imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false, slowThresholdMs: false })],
        controllers: [AbortingController],
      })
      class AppModule {}
      running = await startHttpApp(platform, { imports: [AppModule] });
    });
    after(() => running.close());

    const recordsNamed = (name: string): ForensicsRecord[] => memory.records.filter((r) => r.invocation.name === name);

    /** Waits for the record of `name`, lets the pipeline settle, and checks it is the only one. */
    async function onlyRecord(name: string): Promise<ForensicsRecord> {
      await memory.waitFor((r) => r.invocation.name === name);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await running.app.get(HudForensics).flush();
      const records = recordsNamed(name);
      assert.equal(records.length, 1, `exactly one record for ${name}`);
      return records[0]!;
    }

    it('records a handler that fails after its client disconnected, once, with http.aborted', async () => {
      memory.clear();
      signals.reset();
      const { request } = get(running.url, '/abort/failing');
      await signals.wait('failing:started');
      request.destroy();
      const record = await onlyRecord('GET /abort/failing');
      assert.equal(record.trigger, 'error');
      assert.equal(record.error?.message, 'gave up after the client left');
      assert.deepEqual(record.context, { step: 'failing' });
      // the status the app answered with, though the client never received it
      assert.deepEqual(record.invocation.http, {
        method: 'GET',
        route: '/abort/failing',
        url: '/abort/failing',
        statusCode: 500,
        aborted: true,
      });
    });

    it('records a slow handler whose client disconnected as slow, with its full duration', async () => {
      memory.clear();
      signals.reset();
      const { request } = get(running.url, '/abort/slow');
      await signals.wait('slow:started');
      request.destroy();
      const record = await onlyRecord('GET /abort/slow');
      assert.equal(record.trigger, 'duration');
      assert.equal(record.error, undefined);
      assert.ok(record.durationMs >= 100, `the duration runs to the handler's end (${record.durationMs} ms)`);
      assert.equal(record.invocation.http?.aborted, true);
      assert.deepEqual(record.context, { step: 'slow' });
    });

    it('records an SSE stream the client cut off before it failed', async () => {
      memory.clear();
      const { request, response } = get(running.url, '/abort/events');
      assert.match(await received(await response, 'first'), /data: first/);
      // longer than the route's 50 ms threshold
      await new Promise((resolve) => setTimeout(resolve, 120));
      request.destroy();
      const record = await onlyRecord('GET /abort/events');
      assert.equal(record.trigger, 'duration');
      assert.equal(record.invocation.http?.aborted, true);
      assert.equal(record.invocation.http?.statusCode, 200);
      assert.deepEqual(record.context, { step: 'sse' });
    });

    it('records a StreamableFile whose stream breaks mid-way, with the stream error', async () => {
      memory.clear();
      signals.reset();
      const { response } = get(running.url, '/abort/file-midway');
      const head = await response;
      assert.equal(head.statusCode, 200);
      await received(head);
      signals.fire('midway:received');
      const record = await onlyRecord('GET /abort/file-midway');
      assert.equal(record.trigger, 'error');
      assert.equal(record.error?.message, 'disk gone mid-way');
      assert.equal(record.invocation.http?.aborted, true);
      assert.deepEqual(record.context, { step: 'file-midway' });
    });

    it('records a StreamableFile whose stream fails before the first byte, with the status sent', async () => {
      memory.clear();
      signals.reset();
      const { response } = get(running.url, '/abort/file-early');
      const head = await response;
      head.resume();
      await once(head, 'end');
      const record = await onlyRecord('GET /abort/file-early');
      assert.equal(record.trigger, 'error');
      assert.equal(record.error?.message, 'disk gone at once');
      assert.equal(record.invocation.http?.statusCode, head.statusCode);
      assert.equal(record.invocation.http?.aborted, undefined);
    });

    it('records nothing for a fast download the client left', async () => {
      memory.clear();
      signals.reset();
      const { request, response } = get(running.url, '/abort/download');
      await received(await response);
      request.destroy();
      await signals.wait('download:released');
      // a failing request after it: once its record is out, the download's would be too
      await (await fetch(`${running.url}/abort/crash`)).text();
      await onlyRecord('GET /abort/crash');
      assert.deepEqual(recordsNamed('GET /abort/download'), []);
    });

    it('records a failure that finishes normally exactly once, without aborted', async () => {
      memory.clear();
      const response = await fetch(`${running.url}/abort/crash`);
      assert.equal(response.status, 500);
      await response.text();
      const record = await onlyRecord('GET /abort/crash');
      assert.equal(record.trigger, 'error');
      assert.deepEqual(record.invocation.http, { method: 'GET', route: '/abort/crash', url: '/abort/crash', statusCode: 500 });
    });

    if (platform === 'fastify') {
      it("records a request made with Fastify's inject() once, without aborted (its response has no socket)", async () => {
        memory.clear();
        const fastify = running.app.getHttpAdapter().getInstance();
        const response = await fastify.inject({ method: 'GET', url: '/abort/crash' });
        assert.equal(response.statusCode, 500);
        const record = await onlyRecord('GET /abort/crash');
        assert.deepEqual(record.invocation.http, { method: 'GET', route: '/abort/crash', url: '/abort/crash', statusCode: 500 });
      });
    }
  });
}
