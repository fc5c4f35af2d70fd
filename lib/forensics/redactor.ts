/** What a redacted value is recorded as. */
export const REDACTED = '[REDACTED]';

const MAX_REMEMBERED_KEYS = 10_000;

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/**
 * Decides which context keys are recorded as `'[REDACTED]'`. Names match case-insensitively
 * and ignoring `-` and `_`; a RegExp is tested against the key as given. Answers are
 * remembered per key, since an app uses few distinct keys.
 */
export class Redactor {
  private readonly names: ReadonlySet<string>;
  private readonly patterns: readonly RegExp[];
  private readonly answers = new Map<string, boolean>();

  constructor(rules: ReadonlyArray<string | RegExp>) {
    this.names = new Set(rules.filter((r): r is string => typeof r === 'string').map(normalizeName));
    this.patterns = rules.filter((r): r is RegExp => r instanceof RegExp);
  }

  get isEmpty(): boolean {
    return this.names.size === 0 && this.patterns.length === 0;
  }

  shouldRedact(key: string): boolean {
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer =
        this.names.has(normalizeName(key)) ||
        this.patterns.some((pattern) => {
          pattern.lastIndex = 0; // a /g or /y RegExp keeps state between tests
          return pattern.test(key);
        });
      if (this.answers.size < MAX_REMEMBERED_KEYS) this.answers.set(key, answer);
    }
    return answer;
  }
}
