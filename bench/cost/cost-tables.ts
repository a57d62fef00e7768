// Section 4: the measured work of one message, per design and room size, priced with the cost model.
import { costOfMessage, perMillionDeliveries, perMillionMessages, type CostBreakdown } from './cost-model.js';

/** The Lambda memory the AWS sample's template gives its functions (MemorySize: 256). */
export const SCAN_DESIGN_MEMORY_MB = 256;

export interface SingleTableSend {
  roomSize: number;
  inboundBytes: number;
  ackBytes: number;
  deliveryBytes: number;
  readUnits: number;
  writeUnits: number;
  /** Measured handler time of the send (against dynalite and the 10 ms management API). */
  durationMs: number;
  memoryMb: number;
}

export interface ScanDesignSend {
  roomSize: number;
  totalConnections: number;
  inboundBytes: number;
  deliveryBytes: number;
  readUnits: number;
  durationMs: number;
}

export interface CostRow {
  design: string;
  roomSize: number;
  /** Only for the scan design, whose cost depends on it. */
  totalConnections?: number;
  deliveriesPerMessage: number;
  gatewayMessagesPerMessage: number;
  lambdaMemoryMb: number;
  lambdaDurationMs: number;
  perMillionMessages: CostBreakdown;
  perMillionDeliveries: CostBreakdown;
}

/**
 * The single-table design: the inbound frame, the ack and N-1 deliveries through the gateway; one invocation; the
 * units the send consumed.
 */
export function singleTableCost(send: SingleTableSend): CostRow {
  const deliveries = send.roomSize - 1;
  const frameBytes = [send.inboundBytes, send.ackBytes, ...new Array<number>(deliveries).fill(send.deliveryBytes)];
  const cost = costOfMessage({
    frameBytes,
    invocations: 1,
    lambdaMemoryMb: send.memoryMb,
    lambdaDurationMs: send.durationMs,
    readUnits: send.readUnits,
    writeUnits: send.writeUnits,
  });
  return {
    design: 'single table (this backend)',
    roomSize: send.roomSize,
    deliveriesPerMessage: deliveries,
    gatewayMessagesPerMessage: frameBytes.length,
    lambdaMemoryMb: send.memoryMb,
    lambdaDurationMs: send.durationMs,
    perMillionMessages: perMillionMessages(cost),
    perMillionDeliveries: perMillionDeliveries(cost, deliveries),
  };
}

/**
 * The scan design: the inbound frame and a post to every connection of the room, the sender's own included (the
 * sample echoes instead of acking); one invocation; the Scan's units; nothing is stored.
 */
export function scanDesignCost(send: ScanDesignSend): CostRow {
  const deliveries = send.roomSize - 1;
  const frameBytes = [send.inboundBytes, ...new Array<number>(send.roomSize).fill(send.deliveryBytes)];
  const cost = costOfMessage({
    frameBytes,
    invocations: 1,
    lambdaMemoryMb: SCAN_DESIGN_MEMORY_MB,
    lambdaDurationMs: send.durationMs,
    readUnits: send.readUnits,
    writeUnits: 0,
  });
  return {
    design: 'scan every connection (AWS sample)',
    roomSize: send.roomSize,
    totalConnections: send.totalConnections,
    deliveriesPerMessage: deliveries,
    gatewayMessagesPerMessage: frameBytes.length,
    lambdaMemoryMb: SCAN_DESIGN_MEMORY_MB,
    lambdaDurationMs: send.durationMs,
    perMillionMessages: perMillionMessages(cost),
    perMillionDeliveries: perMillionDeliveries(cost, deliveries),
  };
}
