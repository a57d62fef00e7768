import { describe, expect, it } from 'vitest';
import {
  AWS_PRICES,
  connectionMinutesCost,
  costOfMessage,
  gatewayMessagesFor,
  perMillionDeliveries,
  perMillionMessages,
} from '../../bench/cost/cost-model.js';

describe('gateway metering', () => {
  it('bills every frame as at least one message, then one per started 32 KB', () => {
    expect(gatewayMessagesFor(0)).toBe(1);
    expect(gatewayMessagesFor(200)).toBe(1);
    expect(gatewayMessagesFor(32 * 1024)).toBe(1);
    expect(gatewayMessagesFor(32 * 1024 + 1)).toBe(2);
    expect(gatewayMessagesFor(128 * 1024)).toBe(4);
  });

  it('refuses a negative size', () => {
    expect(() => gatewayMessagesFor(-1)).toThrow(RangeError);
  });
});

describe('cost of one message', () => {
  // A room of 10: inbound frame, ack, 9 deliveries; one 512 MB invocation of 40 ms; 7 reads, 4 writes.
  const work = {
    frameBytes: [180, 420, ...new Array<number>(9).fill(400)],
    invocations: 1,
    lambdaMemoryMb: 512,
    lambdaDurationMs: 39.2,
    readUnits: 7,
    writeUnits: 4,
  };

  it('prices each service from the list prices', () => {
    const cost = costOfMessage(work);
    expect(cost.gateway).toBeCloseTo(11 / 1e6, 12);
    expect(cost.lambdaRequests).toBeCloseTo(0.2 / 1e6, 12);
    // 0.5 GB × 0.040 s (39.2 ms rounded up to 40 ms) × $0.0000133334
    expect(cost.lambdaDuration).toBeCloseTo(0.5 * 0.04 * 0.0000133334, 15);
    expect(cost.dynamoReads).toBeCloseTo((7 * 0.125) / 1e6, 12);
    expect(cost.dynamoWrites).toBeCloseTo((4 * 0.625) / 1e6, 12);
    expect(cost.total).toBeCloseTo(
      cost.gateway + cost.lambdaRequests + cost.lambdaDuration + cost.dynamoReads + cost.dynamoWrites,
      15,
    );
  });

  it('scales to per million messages and per million deliveries', () => {
    const cost = costOfMessage(work);
    const perMessage = perMillionMessages(cost);
    expect(perMessage.gateway).toBeCloseTo(11, 9);
    const perDelivery = perMillionDeliveries(cost, 9);
    expect(perDelivery.total).toBeCloseTo(perMessage.total / 9, 9);
    // The gateway alone: 11 billed frames carry 9 deliveries, already past $1.10 per million deliveries.
    expect(perDelivery.gateway).toBeCloseTo(11 / 9, 9);
  });

  it('bills a frame over 32 KB as several messages', () => {
    const big = costOfMessage({ ...work, frameBytes: [40 * 1024] });
    expect(big.gateway).toBeCloseTo(2 / 1e6, 12);
  });

  it('refuses to spread a message over no deliveries', () => {
    expect(() => perMillionDeliveries(costOfMessage(work), 0)).toThrow(RangeError);
  });
});

describe('connection minutes', () => {
  it('costs $0.25 per million connection-minutes', () => {
    expect(connectionMinutesCost(1_000, 1_000)).toBeCloseTo(0.25, 12);
    expect(connectionMinutesCost(1, 60 * 24 * 30, AWS_PRICES)).toBeCloseTo((43_200 * 0.25) / 1e6, 12);
  });
});

describe('cost rows per design', () => {
  it('counts inbound, ack and N-1 deliveries for the single-table design', async () => {
    const { singleTableCost } = await import('../../bench/cost/cost-tables.js');
    const row = singleTableCost({
      roomSize: 100,
      inboundBytes: 160,
      ackBytes: 400,
      deliveryBytes: 380,
      readUnits: 5.5,
      writeUnits: 3,
      durationMs: 50,
      memoryMb: 512,
    });
    expect(row.deliveriesPerMessage).toBe(99);
    expect(row.gatewayMessagesPerMessage).toBe(101);
    expect(row.perMillionMessages.gateway).toBeCloseTo(101, 9);
    expect(row.perMillionDeliveries.gateway).toBeCloseTo(101 / 99, 9);
    expect(row.perMillionMessages.dynamoReads).toBeCloseTo(5.5 * 0.125, 9);
    expect(row.perMillionMessages.dynamoWrites).toBeCloseTo(3 * 0.625, 9);
  });

  it('counts the echo to the sender and no writes for the scan design, at its 256 MB', async () => {
    const { scanDesignCost } = await import('../../bench/cost/cost-tables.js');
    const row = scanDesignCost({
      roomSize: 10,
      totalConnections: 10_000,
      inboundBytes: 160,
      deliveryBytes: 380,
      readUnits: 61,
      durationMs: 100,
    });
    expect(row.gatewayMessagesPerMessage).toBe(11);
    expect(row.perMillionMessages.dynamoWrites).toBe(0);
    expect(row.perMillionMessages.dynamoReads).toBeCloseTo(61 * 0.125, 9);
    expect(row.perMillionMessages.lambdaDuration).toBeCloseTo(0.25 * 0.1 * 0.0000133334 * 1e6, 9);
  });
});
