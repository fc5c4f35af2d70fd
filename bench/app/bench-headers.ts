/** The three request headers every variant receives, and the context keys they become. */
export const BENCH_HEADERS = {
  'x-client-id': 'acme',
  'x-request-id': 'req-1234',
  'x-user-tier': 'pro',
} as const;

/** `fromHeaders` of the hud-headers variant: context key -> header name. */
export const FROM_HEADERS = {
  client_id: 'x-client-id',
  request_id: 'x-request-id',
  user_tier: 'x-user-tier',
} as const;

/** The request as both adapters hand it to a handler or middleware: only the headers are read. */
export interface WithHeaders {
  headers: Record<string, string | string[] | undefined>;
}
