// How a large room's recipients are cut into worker batches: at most `batchSize` recipients each, and never more
// bytes than one invocation carries. Sizes are measured as the batch's JSON in UTF-8 bytes, as the dispatcher sends it.
import type { FanOutBatch, RoomSizeBucket } from './ports.js';

export interface FanOutSettings {
  /**
   * Rooms with at most this many recipients are delivered by the invocation that caused the event; in larger rooms
   * it delivers the first this many and hands the rest to workers. Measured: see bench/fanout/split-fanout.ts.
   */
  inlineMax: number;
  /** Recipients per worker invocation. */
  batchSize: number;
}

export const DEFAULT_FAN_OUT_SETTINGS: FanOutSettings = { inlineMax: 200, batchSize: 200 };

export function roomSizeBucket(subscribers: number): RoomSizeBucket {
  if (subscribers <= 100) return '≤100';
  if (subscribers <= 1_000) return '≤1k';
  if (subscribers <= 10_000) return '≤10k';
  return '>10k';
}

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Bytes a recipient adds to a batch's JSON: `{"connectionId":"…","userId":"…"},` with escaping counted. */
const recipientBytes = (recipient: { connectionId: string; userId: string }): number =>
  utf8Bytes(JSON.stringify(recipient)) + 1;

export interface BatchPlan {
  batches: FanOutBatch[];
  /** Recipients no batch can carry (the frames alone outgrow an invocation): the caller delivers them itself. */
  tooLarge: FanOutBatch['recipients'];
}

/**
 * Cuts `recipients` into batches of at most `batchSize` recipients and at most `maxBytes` bytes of JSON each. When
 * the frames leave no room for even one recipient, nothing is batched and every recipient comes back in `tooLarge`.
 */
export function planBatches(
  template: Omit<FanOutBatch, 'recipients'>,
  recipients: FanOutBatch['recipients'],
  { batchSize, maxBytes }: { batchSize: number; maxBytes: number },
): BatchPlan {
  const emptyBytes = utf8Bytes(JSON.stringify({ ...template, recipients: [] }));
  const batches: FanOutBatch[] = [];
  let current: FanOutBatch['recipients'][number][] = [];
  let currentBytes = emptyBytes;
  for (const recipient of recipients) {
    const bytes = recipientBytes(recipient);
    if (emptyBytes + bytes > maxBytes) return { batches: [], tooLarge: recipients };
    if (current.length === batchSize || currentBytes + bytes > maxBytes) {
      batches.push({ ...template, recipients: current });
      current = [];
      currentBytes = emptyBytes;
    }
    current.push(recipient);
    currentBytes += bytes;
  }
  if (current.length > 0) batches.push({ ...template, recipients: current });
  return { batches, tooLarge: [] };
}
