import { describe, expect, it } from 'vitest';
import { AWS_PRICES } from '../../bench/cost/cost-model.js';
import {
  chooseMemory,
  cpuShareOf,
  estimate,
  messageTable,
  messageWork,
  sizeFunctions,
  type MeasuredCpu,
  type SizingAssumptions,
} from '../../bench/cost/function-sizing.js';

const assumptions: SizingAssumptions = {
  cpuPerPostUs: 300,
  postsInFlight: 50,
  postLatencyMs: 10,
  dynamoRoundTripMs: 5,
};

describe('CPU share', () => {
  it('grows with memory up to one vCPU at 1,769 MB, and no further for one thread', () => {
    expect(cpuShareOf(1769)).toBe(1);
    expect(cpuShareOf(3538)).toBe(1);
    expect(cpuShareOf(884.5)).toBeCloseTo(0.5, 10);
    expect(cpuShareOf(128)).toBeCloseTo(128 / 1769, 10);
  });
});

describe('estimate', () => {
  it('takes CPU / share when the CPU bounds the fan-out, plus the round trips waited for', () => {
    // 1,000 posts × 300 µs + 20 ms = 320 ms of CPU at one vCPU; the posts alone need 20 × 10 ms = 200 ms.
    const work = { cpuMs: 20, posts: 1000, sequentialRoundTrips: 4 };
    const full = estimate(work, 1769, assumptions);
    expect(full).toMatchObject({ durationMs: 20 + 320, boundBy: 'cpu' });
    const half = estimate(work, 884.5, assumptions);
    expect(half.durationMs).toBeCloseTo(20 + 640, 6);
    // Same GB-s for CPU-bound work at half the memory: twice the time.
    expect(half.cost).toBeCloseTo(
      (884.5 / 1024) * 0.66 * AWS_PRICES.lambdaPerGbSecond + AWS_PRICES.lambdaPerMillionRequests / 1e6,
      12,
    );
  });

  it('takes the posts in flight as the bound when the CPU is quicker, and rounds billing up to the millisecond', () => {
    const work = { cpuMs: 1, posts: 120, sequentialRoundTrips: 2 };
    // 120 posts: 3 rounds of 50 × 10 ms = 30 ms; CPU 1 + 36 = 37 ms at one vCPU... is larger: cpu-bound.
    expect(estimate(work, 1769, assumptions).boundBy).toBe('cpu');
    const light = estimate(work, 1769, { ...assumptions, cpuPerPostUs: 100 });
    expect(light).toMatchObject({ durationMs: 10 + 30, boundBy: 'posts in flight' });
    expect(light.cost).toBeCloseTo(
      (1769 / 1024) * 0.04 * AWS_PRICES.lambdaPerGbSecond + AWS_PRICES.lambdaPerMillionRequests / 1e6,
      12,
    );
  });

  it('refuses less than 128 MB', () => {
    expect(() => estimate({ cpuMs: 1, posts: 0, sequentialRoundTrips: 0 }, 64, assumptions)).toThrow(RangeError);
  });
});

describe('messageWork', () => {
  const cpu = { messageBaseMs: 8, pageMs: 2 } as MeasuredCpu;
  it('reads one page per 100 subscribers and posts to every subscriber (deliveries and the ack)', () => {
    expect(messageWork(10, cpu)).toEqual({ cpuMs: 8, posts: 10, sequentialRoundTrips: 5 });
    expect(messageWork(100, cpu)).toEqual({ cpuMs: 8, posts: 100, sequentialRoundTrips: 5 });
    expect(messageWork(10_000, cpu)).toEqual({ cpuMs: 8 + 99 * 2, posts: 10_000, sequentialRoundTrips: 5 });
  });
});

describe('chooseMemory', () => {
  it('gives CPU-bound work one vCPU: the same GB-s, a third of the time of 512 MB', () => {
    const { chosenMb, estimates } = chooseMemory({ cpuMs: 30, posts: 100, sequentialRoundTrips: 5 }, assumptions);
    expect(chosenMb).toBe(1769);
    const at512 = estimates.find((e) => e.memoryMb === 512)!;
    const at1769 = estimates.find((e) => e.memoryMb === 1769)!;
    expect(at1769.durationMs).toBeLessThan(at512.durationMs / 2);
  });

  it('keeps work that mostly waits small: more memory would only cost more', () => {
    // 1 ms of CPU, 400 ms of waiting: every setting is within 5 ms of the fastest, so the smallest is as fast.
    const { chosenMb, estimates } = chooseMemory({ cpuMs: 0.5, posts: 0, sequentialRoundTrips: 80 }, assumptions);
    expect(chosenMb).toBe(128);
    expect(estimates[0]!.cost).toBeLessThan(estimates[estimates.length - 1]!.cost);
  });

  it('takes the cheapest within 2× of the fastest when the quick one costs over the ceiling', () => {
    // 10 ms of CPU, 200 ms of waiting: 768 MB (223 ms) is within 10 % of the fastest (210 ms) but costs over 3× what
    // 128 MB (338 ms) does per invocation.
    const work = { cpuMs: 10, posts: 0, sequentialRoundTrips: 40 };
    const strict = chooseMemory(work, assumptions);
    expect(strict).toMatchObject({ chosenMb: 128, rule: expect.stringMatching(/cheapest/) });
    expect(chooseMemory(work, assumptions, { costCeiling: 10 })).toMatchObject({ chosenMb: 768 });
  });

  it('gives a function someone waits for enough memory to load its bundle within the budget', () => {
    const work = { cpuMs: 0.2, initCpuMs: 60, posts: 0, sequentialRoundTrips: 0 };
    const { chosenMb, estimates } = chooseMemory(work, assumptions, { coldStartBudgetMs: 250 });
    // 60 ms of CPU at 128 MB is 829 ms, at 256 MB 415 ms, at 512 MB 207 ms.
    expect(estimates.find((e) => e.memoryMb === 256)!.coldStartMs).toBeCloseTo((60 * 1769) / 256, 6);
    expect(chosenMb).toBe(512);
    expect(chooseMemory(work, assumptions).chosenMb).toBe(128);
  });
});

describe('sizeFunctions / messageTable', () => {
  const cpu: MeasuredCpu = {
    cpuPerPostUs: 330,
    messageBaseMs: 9,
    pageMs: 2.5,
    connectMs: 12,
    connectPosts: 45,
    disconnectMs: 10,
    disconnectPosts: 45,
    authorizerMs: 0.6,
    redeliveryBatchMs: 2,
  };

  it('sizes every function from its own reference workload', () => {
    const sizing = sizeFunctions(cpu);
    expect(sizing.map((s) => s.name)).toEqual(['message', 'connect', 'disconnect', 'authorizer', 'redelivery']);
    for (const function_ of sizing) {
      expect(function_.estimates.map((e) => e.memoryMb)).toContain(function_.chosenMb);
    }
    // The authorizer does 0.6 ms of CPU and no I/O: 256 MB (4 ms) is within 5 ms of the fastest, 128 MB (8 ms) is
    // not; a bundle that must load within the cold-start budget asks for more.
    expect(sizing.find((s) => s.name === 'authorizer')!.chosenMb).toBe(256);
    const withLoad = sizeFunctions({ ...cpu, loadCpuMs: { authorizer: 40 } });
    expect(withLoad.find((s) => s.name === 'authorizer')!.chosenMb).toBe(512);
    // The message function's fan-out to 100 is CPU-bound: more memory, at nearly the same cost.
    expect(sizing.find((s) => s.name === 'message')!.chosenMb).toBeGreaterThanOrEqual(1536);
  });

  it('rooms 10× larger take about 10× longer once CPU-bound, at every memory', () => {
    const [thousand, tenThousand] = messageTable(cpu, [1000, 10_000], [512, 1769]);
    for (const index of [0, 1]) {
      const ratio = tenThousand!.estimates[index]!.durationMs / thousand!.estimates[index]!.durationMs;
      expect(ratio).toBeGreaterThan(9);
      expect(ratio).toBeLessThan(10.5);
    }
  });
});
