import { describe, expect, it } from 'vitest';
import { latencySummary, median, percentile, spread } from '../../bench/lib/stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose

  it('reports values that were observed', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([7, 3, 5], 50)).toBe(5);
  });

  it('with few samples, p99 is the largest', () => {
    expect(percentile([1, 2, 3, 4, 5], 99)).toBe(5);
    expect(percentile([4], 1)).toBe(4);
  });

  it('refuses empty input and p outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('median and spread', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('reports the median across runs with the range', () => {
    expect(spread([12, 10, 30, 11, 9])).toEqual({ median: 11, min: 9, max: 30, runs: 5 });
  });

  it('does not reorder its input', () => {
    const runs = [3, 1, 2];
    median(runs);
    expect(runs).toEqual([3, 1, 2]);
  });

  it('summarises latencies', () => {
    const summary = latencySummary([10, 20, 30, 40]);
    expect(summary).toEqual({ p50: 20, p95: 40, p99: 40, max: 40, count: 4 });
  });
});
