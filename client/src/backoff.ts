export interface BackoffOptions {
  /** The ceiling of the first retry's delay. Default 500 ms. */
  initialMs?: number;
  /** The largest delay while the app is in the background (`setForeground(false)`). Default 30 s. */
  maxMs?: number;
  /** The largest delay while the app is in the foreground (the default), when a user waits for it. Default 5 s. */
  foregroundMaxMs?: number;
}

export const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000, foregroundMaxMs: 5_000 } as const;

/**
 * Exponential backoff with full jitter: the n-th retry waits a random time in [0, min(cap, initial * 2^n)], where
 * the cap is lower while the app is in the foreground. Randomness spreads the reconnects of many clients cut off at
 * the same moment (a deploy, a network blip). The owner resets it when a connection has said hello: a link that
 * drops every few seconds must not climb to the cap.
 */
export class Backoff {
  /** A user is looking at the app: retry sooner (see `foregroundMaxMs`). */
  foreground = true;
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly foregroundMaxMs: number;

  constructor(
    options: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
    this.maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
    this.foregroundMaxMs = Math.min(this.maxMs, options.foregroundMaxMs ?? DEFAULT_BACKOFF.foregroundMaxMs);
  }

  get attempts(): number {
    return this.attempt;
  }

  /** The largest delay now. */
  get capMs(): number {
    return this.foreground ? this.foregroundMaxMs : this.maxMs;
  }

  nextDelayMs(): number {
    const delay = jitteredDelayMs(this.attempt, this.initialMs, this.capMs, this.random);
    this.attempt += 1;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** The delay before retry number `attempt` (0-based): random in [0, min(maxMs, initialMs * 2^attempt)]. */
export function jitteredDelayMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}
