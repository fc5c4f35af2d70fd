import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER = /^Bearer[ \t]+(.+?)[ \t]*$/i;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks the inspector token in constant time: both sides are hashed to digests of equal
 * length before `timingSafeEqual`, so neither the content nor the length of the expected
 * token leaks through response times.
 */
export class InspectorTokenChecker {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** Accepts `Authorization: Bearer <token>` or the `token` query parameter. */
  isAuthorized(authorization: unknown, queryToken: string | null): boolean {
    const fromHeader = typeof authorization === 'string' ? BEARER.exec(authorization)?.[1] : undefined;
    // Both candidates are always compared, so the time taken does not tell which one was tried.
    const headerMatches = this.matches(fromHeader);
    const queryMatches = this.matches(queryToken ?? undefined);
    return headerMatches || queryMatches;
  }

  private matches(candidate: string | undefined): boolean {
    const given = digest(candidate ?? '');
    return timingSafeEqual(given, this.expected) && candidate !== undefined;
  }
}
