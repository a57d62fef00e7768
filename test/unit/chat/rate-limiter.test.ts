// The per-connection token bucket on its own: refill, burst cap and bounded memory.
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../../lambdas/chat/rate-limiter.js';

const takeMany = (take: () => boolean, n: number) => Array.from({ length: n }, take).filter(Boolean).length;

describe('rate limiter', () => {
  it('allows the burst at once, then refills at the rate, never above the burst', () => {
    const limiter = createRateLimiter({ perSecond: 20, burst: 50 });
    expect(takeMany(() => limiter.tryTake('c', 0), 60)).toBe(50);
    expect(takeMany(() => limiter.tryTake('c', 500), 20)).toBe(10);
    expect(takeMany(() => limiter.tryTake('c', 100_000), 100)).toBe(50);
  });

  it('a clock stepping back neither refills nor breaks the bucket', () => {
    const limiter = createRateLimiter({ perSecond: 10, burst: 2 });
    expect(takeMany(() => limiter.tryTake('c', 10_000), 3)).toBe(2);
    expect(limiter.tryTake('c', 5_000)).toBe(false);
    expect(limiter.tryTake('c', 10_100)).toBe(true);
  });

  it('keeps at most maxTracked buckets; an evicted connection starts full (more lenient, never stricter)', () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 1 }, 100);
    for (let i = 0; i < 1_000; i += 1) limiter.tryTake(`c${i}`, 0);
    expect(limiter.trackedConnections).toBe(100);
    expect(limiter.tryTake('c0', 0)).toBe(true);
    expect(limiter.tryTake('c999', 0)).toBe(false);
  });

  it("forget drops a connection's bucket", () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 1 });
    limiter.tryTake('c', 0);
    limiter.forget('c');
    expect(limiter.trackedConnections).toBe(0);
    expect(limiter.tryTake('c', 0)).toBe(true);
  });
});
