// Dollars per message from measured units and AWS list prices (us-east-1, on-demand, as given in the issue).
// Pure arithmetic, unit-tested in test/bench: the measurements feed it, nothing here measures.

export const AWS_PRICES = {
  /** API Gateway WebSocket: per million messages, metered in 32 KB steps (first billion a month). */
  gatewayPerMillionMessages: 1.0,
  gatewayMessageStepBytes: 32 * 1024,
  gatewayPerMillionConnectionMinutes: 0.25,
  /** Lambda on arm64. */
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** DynamoDB on demand. */
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
} as const;

export type Prices = { [K in keyof typeof AWS_PRICES]: number };

/** Billed gateway messages for one frame of `bytes` (every frame is at least one message). */
export function gatewayMessagesFor(bytes: number, prices: Prices = AWS_PRICES): number {
  if (!(bytes >= 0)) throw new RangeError('gatewayMessagesFor: bytes must be zero or more');
  return Math.max(1, Math.ceil(bytes / prices.gatewayMessageStepBytes));
}

/** Everything one chat message causes, as measured. */
export interface MessageWork {
  /** Byte sizes of every frame the gateway carries for it: the inbound frame, the ack, each delivery. */
  frameBytes: readonly number[];
  invocations: number;
  lambdaMemoryMb: number;
  /** Wall time of the invocation; Lambda bills it rounded up to the millisecond. */
  lambdaDurationMs: number;
  readUnits: number;
  writeUnits: number;
}

export interface CostBreakdown {
  gateway: number;
  lambdaRequests: number;
  lambdaDuration: number;
  dynamoReads: number;
  dynamoWrites: number;
  total: number;
}

/** Dollars for one message. */
export function costOfMessage(work: MessageWork, prices: Prices = AWS_PRICES): CostBreakdown {
  const gatewayMessages = work.frameBytes.reduce((sum, bytes) => sum + gatewayMessagesFor(bytes, prices), 0);
  const gbSeconds = (work.lambdaMemoryMb / 1024) * (Math.ceil(work.lambdaDurationMs) / 1000) * work.invocations;
  const breakdown = {
    gateway: (gatewayMessages * prices.gatewayPerMillionMessages) / 1e6,
    lambdaRequests: (work.invocations * prices.lambdaPerMillionRequests) / 1e6,
    lambdaDuration: gbSeconds * prices.lambdaPerGbSecond,
    dynamoReads: (work.readUnits * prices.dynamoPerMillionReadUnits) / 1e6,
    dynamoWrites: (work.writeUnits * prices.dynamoPerMillionWriteUnits) / 1e6,
  };
  return { ...breakdown, total: Object.values(breakdown).reduce((sum, part) => sum + part, 0) };
}

/** Scales a per-message breakdown: ×1e6 for "per million messages", ÷ deliveries for "per delivery". */
export function scaleBreakdown(breakdown: CostBreakdown, factor: number): CostBreakdown {
  return Object.fromEntries(
    Object.entries(breakdown).map(([part, dollars]) => [part, dollars * factor]),
  ) as unknown as CostBreakdown;
}

export const perMillionMessages = (breakdown: CostBreakdown): CostBreakdown => scaleBreakdown(breakdown, 1e6);

export function perMillionDeliveries(breakdown: CostBreakdown, deliveriesPerMessage: number): CostBreakdown {
  if (!(deliveriesPerMessage > 0)) throw new RangeError('perMillionDeliveries: a message must reach someone');
  return scaleBreakdown(breakdown, 1e6 / deliveriesPerMessage);
}

/** Dollars for keeping `connections` open for `minutes` each. */
export function connectionMinutesCost(connections: number, minutes: number, prices: Prices = AWS_PRICES): number {
  return (connections * minutes * prices.gatewayPerMillionConnectionMinutes) / 1e6;
}
