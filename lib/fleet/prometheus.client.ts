/** One series of an instant vector: its labels and its value. */
export interface PrometheusSample {
  labels: Record<string, string>;
  value: number;
}

/** Why Prometheus gave no answer, said so that the page can show it as it is. */
export class PrometheusUnavailableError extends Error {}

/** An answer larger than this is refused: the inspector must stay small whatever the server sends. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
/** Longest error text of Prometheus' own quoted back. */
const MAX_QUOTED_ERROR = 300;

interface ApiAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  data?: unknown;
}

/**
 * The few calls of Prometheus' HTTP API the fleet view makes (instant queries and label
 * names), with Node's own `fetch`. Every call of one reading shares one `AbortSignal`, so the
 * reading as a whole ends within its time-out. Errors are `PrometheusUnavailableError`s whose
 * message names the server (without credentials) and what went wrong.
 */
export class PrometheusClient {
  private readonly base: string;
  private readonly authorization: string | undefined;
  /** The server as messages name it: no credentials, no query. */
  readonly where: string;

  constructor(prometheusUrl: string) {
    const url = new URL(prometheusUrl);
    this.authorization =
      url.username !== '' || url.password !== ''
        ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
        : undefined;
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    this.base = url.href.replace(/\/+$/, '');
    this.where = this.base;
  }

  /** `POST /api/v1/query` at `timeSeconds`: the instant vector's series. */
  async query(promql: string, timeSeconds: number, signal: AbortSignal): Promise<PrometheusSample[]> {
    const data = await this.call('/api/v1/query', { query: promql, time: String(timeSeconds) }, signal);
    const result = (data as { resultType?: string; result?: unknown } | undefined)?.result;
    if (!Array.isArray(result)) throw new PrometheusUnavailableError(`Prometheus at ${this.where} answered a query without a result`);
    return result.map((series: { metric?: Record<string, string>; value?: [number, string] }) => ({
      labels: series.metric ?? {},
      value: Number(series.value?.[1]),
    }));
  }

  /** `POST /api/v1/labels`: the label names of the series `match` selects between `start` and `end` (seconds). */
  async labelNames(match: string, start: number, end: number, signal: AbortSignal): Promise<string[]> {
    const data = await this.call('/api/v1/labels', { 'match[]': match, start: String(start), end: String(end) }, signal);
    return Array.isArray(data) ? data.filter((name): name is string => typeof name === 'string') : [];
  }

  /** Turns whatever a reading threw into the sentence the page shows. */
  describe(error: unknown, timeoutMs: number): string {
    if (error instanceof PrometheusUnavailableError) return error.message;
    const name = (error as { name?: string } | null)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') return `Prometheus at ${this.where} did not answer within ${timeoutMs} ms`;
    const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
    const why = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    return `Prometheus at ${this.where} could not be reached (${why})`;
  }

  private async call(path: string, form: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
    if (this.authorization !== undefined) headers.Authorization = this.authorization;
    const response = await fetch(this.base + path, { method: 'POST', headers, body: new URLSearchParams(form), signal });
    const text = await readBounded(response, this.where);
    let answer: ApiAnswer;
    try {
      answer = JSON.parse(text) as ApiAnswer;
    } catch {
      throw new PrometheusUnavailableError(
        `Prometheus at ${this.where} answered ${response.status} with something other than its API's JSON (is prometheusUrl the server's address?)`,
      );
    }
    if (!response.ok || answer.status !== 'success') {
      const detail = `${answer.errorType ?? 'error'}: ${answer.error ?? 'no detail'}`.slice(0, MAX_QUOTED_ERROR);
      throw new PrometheusUnavailableError(`Prometheus at ${this.where} answered ${response.status} (${detail})`);
    }
    return answer.data;
  }
}

/** The body as text, refused beyond `MAX_ANSWER_BYTES`. */
async function readBounded(response: Response, where: string): Promise<string> {
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      throw new PrometheusUnavailableError(`Prometheus at ${where} answered more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB; the fleet view reads no more`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
