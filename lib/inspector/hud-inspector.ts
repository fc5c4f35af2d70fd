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
import { reportJson } from './inspector.json.js';
import { inspectorPaths } from './inspector.paths.js';
import { applyFilter, contextKeys, filterFromQuery } from './inspector.query.js';
import { InspectorRecordStore } from './inspector-record.store.js';
import { fitRecords } from './inspector-response.budget.js';
import { displayText } from './html.escape.js';
import { discardInvocationOf } from '../binding/http/http-invocation.slot.js';
import { fleetReaderFor } from '../fleet/fleet-reader.factory.js';
import type { HudFleetReport } from '../fleet/hud-fleet-report.interface.js';

/** The adapter methods the inspector uses; both built-in adapters have them. */
interface InspectorAdapter {
  get(path: string, handler: (req: any, res: any) => void): unknown;
  reply(res: unknown, body: unknown, status?: number): unknown;
  setHeader(res: unknown, name: string, value: string): unknown;
  getRequestUrl(req: unknown): string;
}


/** One answer of the inspector: its content type, body and (for the page) its CSP. */
interface Rendered {
  type: string;
  body: string;
  csp?: string;
}

const COMMON_HEADERS: ReadonlyArray<[string, string]> = [
  ['Cache-Control', 'no-store'],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
];

/**
 * Serves the inspector on the app's own HTTP server, when `inspector` is given:
 * `GET {path}` (the page), `GET {path}/records.json`, `GET {path}/suspects.json`,
 * `GET {path}/changes.json` and, with `inspector.fleet`, `GET {path}/fleet.json`. All need the
 * token. The routes are
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

    const answer = (req: any, res: any, render: (params: URLSearchParams) => Rendered | Promise<Rendered>) => {
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
      const send = ({ type, body, csp }: Rendered) => {
        adapter.setHeader(res, 'Content-Type', type);
        if (csp !== undefined) adapter.setHeader(res, 'Content-Security-Policy', csp);
        adapter.reply(res, body, 200);
      };
      const rendered = render(params);
      // Only answers with the fleet's figures wait (for Prometheus, bounded by fleet.timeoutMs).
      if (!(rendered instanceof Promise)) return send(rendered);
      rendered.then(send, (error: unknown) => {
        this.logger.error(`inspector: the page could not be rendered: ${String(error)}`);
        adapter.reply(res, { statusCode: 500, message: 'The inspector could not render this answer' }, 500);
      });
    };
    const fleet = inspector.fleet ? fleetReaderFor(this.options, inspector.fleet) : undefined; // null, like undefined: no fleet
    if (fleet !== undefined) {
      adapter.get(paths.fleet, (req, res) =>
        answer(req, res, async () => ({ type: 'application/json; charset=utf-8', body: reportJson(await fleet.read()) })),
      );
    }

    adapter.get(paths.json, (req, res) =>
      answer(req, res, (params) => {
        const records = applyFilter(store.newestFirst(), filterFromQuery(params));
        return { type: 'application/json; charset=utf-8', body: recordsJson(records) };
      }),
    );
    adapter.get(paths.suspects, (req, res) =>
      answer(req, res, (params) => ({
        type: 'application/json; charset=utf-8',
        body: reportJson({ reports: this.suspectReports(params.get('name') ?? undefined, params.get('trigger')) }),
      })),
    );
    adapter.get(paths.changes, (req, res) =>
      answer(req, res, (params) => ({
        type: 'application/json; charset=utf-8',
        body: reportJson({ reports: this.forensics.changes({ name: params.get('name') ?? undefined }) }),
      })),
    );
    const page = (params: URLSearchParams, fleetReport?: HudFleetReport): Rendered => {
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
        fleet: fleetReport,
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
    };
    adapter.get(paths.page, (req, res) =>
      answer(req, res, (params) => (fleet === undefined ? page(params) : fleet.read().then((report) => page(params, report)))),
    );
  }

  /** Suspects of failures, then of slow invocations; `trigger` (from the query) narrows to one. */
  private suspectReports(name?: string, trigger?: string | null): HudSuspectReport[] {
    const triggers: HudSuspectTrigger[] = trigger === 'failure' || trigger === 'slow' ? [trigger] : ['failure', 'slow'];
    return triggers.flatMap((t) => this.forensics.suspects({ name, trigger: t }));
  }
}

/**
 * `{ "records": [...] }`, serialised record by record, newest first, at most
 * `MAX_RECORDS_RESPONSE_CHARACTERS` of them; `"omitted": N` says how many held records did
 * not fit. One that `beforeRecord` made unserialisable (a cycle, a BigInt) is replaced by a
 * note instead of failing the answer.
 */
function recordsJson(records: readonly unknown[]): string {
  const { texts, leftOut } = fitRecords(records, (record) => {
    try {
      return JSON.stringify(record) ?? 'null';
    } catch (error) {
      return JSON.stringify({ unserialisable: displayText(String(error)) });
    }
  });
  return `{"records":[${texts.join(',')}]${leftOut > 0 ? `,"omitted":${leftOut}` : ''}}`;
}
