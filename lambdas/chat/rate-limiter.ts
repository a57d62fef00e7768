// A token bucket per connection, in the memory of one warm function. On AWS a connection's frames may be served
// by several function instances, each with its own buckets: that only ever allows more than one bucket would, so
// the protocol's promise (at least perSecond frames a second with bursts of `burst`) always holds.

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface RateLimiter {
  /** Takes one token from the connection's bucket; false when it is empty. */
  tryTake(connectionId: string, now: number): boolean;
  forget(connectionId: string): void;
  readonly trackedConnections: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * At most `maxTracked` buckets are kept, the least recently used evicted first, so memory stays bounded however
 * many connections pass through. An evicted connection starts again with a full bucket: more lenient, never
 * stricter than promised.
 */
export function createRateLimiter(limit: RateLimit, maxTracked = 10_000): RateLimiter {
  const buckets = new Map<string, Bucket>();

  return {
    tryTake(connectionId, now) {
      const bucket = buckets.get(connectionId) ?? { tokens: limit.burst, updatedAt: now };
      // A clock that steps back refills nothing rather than draining the bucket.
      const elapsedMs = Math.max(0, now - bucket.updatedAt);
      bucket.tokens = Math.min(limit.burst, bucket.tokens + (elapsedMs * limit.perSecond) / 1000);
      bucket.updatedAt = Math.max(bucket.updatedAt, now);
      const allowed = bucket.tokens >= 1;
      if (allowed) bucket.tokens -= 1;
      // Re-inserting moves the bucket to the end of the Map's order: the first key is the least recently used.
      buckets.delete(connectionId);
      buckets.set(connectionId, bucket);
      while (buckets.size > maxTracked) {
        const oldest = buckets.keys().next().value as string;
        buckets.delete(oldest);
      }
      return allowed;
    },
    forget(connectionId) {
      buckets.delete(connectionId);
    },
    get trackedConnections() {
      return buckets.size;
    },
  };
}
