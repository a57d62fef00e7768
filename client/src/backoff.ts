export interface BackoffOptions {
  /** The ceiling of the first retry's delay. Default 500 ms. */
  initialMs?: number;
  /** The largest delay. Default 30 s. */
  maxMs?: number;
}

/**
 * Exponential backoff with full jitter: the n-th retry waits a random time in [0, min(max, initial * 2^n)].
 * Randomness spreads the reconnects of many clients cut off at the same moment (a deploy, a network blip).
 */
export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(options: BackoffOptions = {}, private readonly random: () => number = Math.random) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
  }

  get attempts(): number {
    return this.attempt;
  }

  nextDelayMs(): number {
    const delay = jitteredDelayMs(this.attempt, this.initialMs, this.maxMs, this.random);
    this.attempt += 1;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** The delay before retry number `attempt` (0-based): random in [0, min(maxMs, initialMs * 2^attempt)]. */
export function jitteredDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}
