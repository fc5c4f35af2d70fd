// inspector/: the token-protected page of recent records and its JSON.
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { HudForensics } from '../forensics/hud-forensics.js';
import { HudAnalysis } from '../analysis/hud-analysis.js';
import { HudOptions } from '../hud.options.js';
import type { HudSuspectReport, HudSuspectTrigger } from '../analysis/suspects/hud-suspect-report.interface.js';
import { InspectorTokenChecker } from './inspector.auth.js';
import { renderInspectorPage } from './inspector.page.js';
import { inspectorPaths } from './inspector.paths.js';
import { applyFilter, contextKeys, filterFromQuery } from './inspector.query.js';
import { InspectorRecordStore } from './inspector-record.store.js';
import { displayText } from './html.escape.js';
import { discardInvocationOf } from '../binding/http/http-invocation.slot.js';

/** The adapter methods the inspector uses; both built-in adapters have them. */
interface InspectorAdapter {
  get(path: string, handler: (req: any, res: any) => void): unknown;
  reply(res: unknown, body: unknown, status?: number): unknown;
  setHeader(res: unknown, name: string, value: string): unknown;
  getRequestUrl(req: unknown): string;
}


const COMMON_HEADERS: ReadonlyArray<[string, string]> = [
  ['Cache-Control', 'no-store'],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
];

/**
 * Serves the inspector on the app's own HTTP server, when `inspector` is given:
 * `GET {path}` (the page), `GET {path}/records.json`, `GET {path}/suspects.json` and
 * `GET {path}/changes.json`. All need the token. The routes are
 * added straight to the adapter (Express or Fastify) while the app initialises, before it
 * listens; they are no Nest controller, so no guard, interceptor or filter of the app runs
 * for them, and no invocation of theirs is completed, whatever URL variant reached them (the
 * inspector never records itself).
 */
@Injectable()
export class HudInspector implements OnModuleInit {
  private readonly logger = new Logger('HudInspector');

  constructor(
    private readonly options: HudOptions,
    private readonly forensics: HudForensics,
    private readonly analysis: HudAnalysis,
    @Optional() @Inject(InspectorRecordStore) private readonly store: InspectorRecordStore | null,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const inspector = this.options.inspector;
    if (inspector === undefined || !this.options.enabled || !this.store) return;
    const adapter = this.adapterHost?.httpAdapter as unknown as InspectorAdapter | undefined;
    if (adapter === undefined || typeof adapter.get !== 'function') {
      this.logger.warn('inspector: this application has no HTTP server, so the inspector is not served');
      return;
    }
    const paths = inspectorPaths(inspector.path);
    const tokens = new InspectorTokenChecker(inspector.token);
    const store = this.store;

    const answer = (req: any, res: any, render: (params: URLSearchParams) => { type: string; body: string; csp?: string }) => {
      // The HTTP binding skips the inspector's own paths; a variant the router also serves
      // here (`/_HUD` on Express, `/%5Fhud` on Fastify) started an invocation: drop it.
      discardInvocationOf(res);
      const params = new URL(adapter.getRequestUrl(req) ?? '/', 'http://inspector.invalid').searchParams;
      for (const [name, value] of COMMON_HEADERS) adapter.setHeader(res, name, value);
      if (!tokens.isAuthorized(req.headers?.authorization, params.get('token'))) {
        adapter.setHeader(res, 'WWW-Authenticate', 'Bearer realm="nestjs-hud inspector"');
        adapter.reply(res, { statusCode: 401, message: 'Unauthorized: the inspector needs its token (Authorization: Bearer <token>, or ?token=<token>)' }, 401);
        return;
      }
      const { type, body, csp } = render(params);
      adapter.setHeader(res, 'Content-Type', type);
      if (csp !== undefined) adapter.setHeader(res, 'Content-Security-Policy', csp);
      adapter.reply(res, body, 200);
    };

    adapter.get(paths.json, (req, res) =>
      answer(req, res, (params) => {
        const records = applyFilter(store.newestFirst(), filterFromQuery(params));
        return { type: 'application/json; charset=utf-8', body: recordsJson(records) };
      }),
    );
    adapter.get(paths.suspects, (req, res) =>
      answer(req, res, (params) => ({
        type: 'application/json; charset=utf-8',
        body: JSON.stringify({ reports: this.suspectReports(params.get('name') ?? undefined, params.get('trigger')) }),
      })),
    );
    adapter.get(paths.changes, (req, res) =>
      answer(req, res, (params) => ({
        type: 'application/json; charset=utf-8',
        body: JSON.stringify({ reports: this.forensics.changes({ name: params.get('name') ?? undefined }) }),
      })),
    );
    adapter.get(paths.page, (req, res) =>
      answer(req, res, (params) => {
        const held = store.newestFirst();
        const filter = filterFromQuery(params);
        const nonce = randomBytes(16).toString('base64');
        const body = renderInspectorPage({
          path: paths.page,
          service: this.options.service,
          records: applyFilter(held, filter),
          held: held.length,
          maxRecords: store.maxRecords,
          keys: contextKeys(held),
          filter,
          stats: this.forensics.stats(),
          suspects: this.suspectReports(),
          changes: this.options.changes === false ? undefined : this.analysis.changeFindings(),
          latency: this.forensics.latency(),
          baselineMinSamples: this.options.slowBaseline === false ? undefined : this.options.slowBaseline.minSamples,
          queryToken: params.get('token') ?? undefined,
          now: Date.now(),
          nonce,
        });
        return {
          type: 'text/html; charset=utf-8',
          body,
          // Only this response's own style and script may run: injected markup could do nothing.
          csp: `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
        };
      }),
    );
  }

  /** Suspects of failures, then of slow invocations; `trigger` (from the query) narrows to one. */
  private suspectReports(name?: string, trigger?: string | null): HudSuspectReport[] {
    const triggers: HudSuspectTrigger[] = trigger === 'failure' || trigger === 'slow' ? [trigger] : ['failure', 'slow'];
    return triggers.flatMap((t) => this.forensics.suspects({ name, trigger: t }));
  }
}

/**
 * `{ "records": [...] }`, serialised record by record: one that `beforeRecord` made
 * unserialisable (a cycle, a BigInt) is replaced by a note instead of failing the answer.
 */
function recordsJson(records: readonly unknown[]): string {
  const lines = records.map((record) => {
    try {
      return JSON.stringify(record) ?? 'null';
    } catch (error) {
      return JSON.stringify({ unserialisable: displayText(String(error)) });
    }
  });
  return `{"records":[${lines.join(',')}]}`;
}
