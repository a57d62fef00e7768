// Section 9's cost per million deliveries: the gateway's frames, the functions' duration and requests, the reads.
import { describe, expect, it } from 'vitest';
import { costPerMillionDeliveries, LAMBDA_VCPU_SHARE } from '../../bench/fanout/split-fanout.js';

describe('split fan-out cost per million deliveries', () => {
  it('charges the gateway the message in, its ack and one frame per delivery', () => {
    expect(costPerMillionDeliveries(1_000, 0, 0).gateway).toBeCloseTo(1.002, 6);
    expect(costPerMillionDeliveries(50_000, 0, 0).gateway).toBeCloseTo(1.00004, 6);
  });

  it("charges the functions' CPU at 512 MB's share of a vCPU, and each worker invocation as a request", () => {
    const inline = costPerMillionDeliveries(10_000, 500, 0);
    const split = costPerMillionDeliveries(10_000, 500, 49);
    // 10,001 posts × 500 µs at 0.29 vCPU, half a GB: GB-seconds × price, per delivery, × 1e6.
    const duration = ((10_001 * 500e-6) / LAMBDA_VCPU_SHARE) * 0.5 * 0.0000133334;
    expect(inline.lambda).toBeCloseTo(((duration + 0.2e-6) * 1e6) / 10_000, 8);
    expect(split.lambda - inline.lambda).toBeCloseTo((49 * 0.2e-6 * 1e6) / 10_000, 8);
  });

  it('sums its parts', () => {
    const cost = costPerMillionDeliveries(1_000, 600, 4);
    expect(cost.total).toBeCloseTo(cost.gateway + cost.lambda + cost.dynamo, 10);
    expect(cost.dynamo).toBeGreaterThan(0);
  });
});
