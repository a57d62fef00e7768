// The FrameQueue port over Amazon SQS, with the real @aws-sdk/client-sqs client; on the local stack the same client
// talks to local/sqs. One message per frame: the body is the frame exactly as it would have been posted (a JSON
// text, which SQS accepts as is), the recipient travels in message attributes. Also the way back: an SQS record of
// the redelivery function's event into a RedeliveryRequest.
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { RedeliveryRequest } from '../chat/index.js';
import type { FrameQueue, Logger, QueuedFrame } from '../chat/ports.js';
import { cachedByKey } from './cached-by-key.js';
import { keepAliveRequestHandler } from './keep-alive-handler.js';

/** SendMessageBatch takes at most 10 entries... */
export const SQS_BATCH_MAX_ENTRIES = 10;
/**
 * ...and at most 256 KiB for all of them together, attributes included (the limit of one message is the same). SQS
 * has since accepted 1 MiB; the older limit holds in every region and for every client.
 */
export const SQS_BATCH_MAX_BYTES = 262_144;

const CONNECTION_ID = 'connectionId';
const USER_ID = 'userId';

export interface SqsFrameQueueOptions {
  queueUrl: string;
  region: string;
  /** Local only; on AWS the SDK's default chain (the function's role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  logger: Logger;
  /** Batches in flight at once. */
  concurrency?: number;
}

export interface SqsFrameQueue extends FrameQueue {
  destroy(): void;
}

export function createSqsFrameQueue(options: SqsFrameQueueOptions): SqsFrameQueue {
  const local = options.queueUrl.startsWith('http://');
  const client = new SQSClient({
    region: options.region,
    // Locally the queue URL names the emulator; on AWS the regional endpoint is the queue URL's own host.
    ...(local ? { endpoint: new URL(options.queueUrl).origin } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // A slow answer from SQS still queues the frames (see keepAliveRequestHandler).
    requestHandler: keepAliveRequestHandler(),
  });

  async function sendBatch(batch: readonly QueuedFrame[], delaySeconds: number | undefined): Promise<number> {
    const entries: SendMessageBatchRequestEntry[] = batch.map((frame, index) => ({
      Id: String(index),
      MessageBody: frame.payload,
      ...(delaySeconds ? { DelaySeconds: delaySeconds } : {}),
      MessageAttributes: {
        [CONNECTION_ID]: { DataType: 'String', StringValue: frame.connectionId },
        [USER_ID]: { DataType: 'String', StringValue: frame.userId },
      },
    }));
    try {
      // The SDK's standard retry covers throttling and 5xx of the call as a whole; entries SQS refused one by one
      // (Failed) are tried once more.
      let pending = entries;
      for (let round = 0; round < 2 && pending.length > 0; round += 1) {
        const answer = await client.send(new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: pending }));
        const failedIds = new Set((answer.Failed ?? []).filter((f) => !f.SenderFault).map((f) => f.Id));
        const refused = (answer.Failed ?? []).filter((f) => f.SenderFault);
        if (refused.length > 0)
          options.logger.error('frames refused by the queue', { codes: refused.map((f) => f.Code) });
        pending = pending.filter((entry) => failedIds.has(entry.Id));
      }
      return batch.length - pending.length;
    } catch (error) {
      options.logger.error('queueing frames failed', {
        errorName: (error as Error).name,
        errorMessage: (error as Error).message,
      });
      return 0;
    }
  }

  return {
    async enqueue(frames, { delaySeconds } = {}) {
      const { batches, oversized } = batchesOf(frames);
      if (oversized > 0) options.logger.error('frames too large for the queue', { frames: oversized });
      let queued = 0;
      let next = 0;
      const worker = async () => {
        while (next < batches.length) {
          // Not `queued += await ...`: that would read `queued` before the wait and lose the other workers' counts.
          const sent = await sendBatch(batches[next++]!, delaySeconds);
          queued += sent;
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, batches.length) }, worker));
      return { queued, failed: frames.length - queued };
    },
    destroy() {
      client.destroy();
    },
  };
}

/** A message's size as SQS counts it: the body plus each attribute's name, type and value, in UTF-8 bytes. */
export function messageBytes(frame: QueuedFrame): number {
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  return (
    bytes(frame.payload) +
    bytes(CONNECTION_ID) +
    bytes('String') +
    bytes(frame.connectionId) +
    bytes(USER_ID) +
    bytes('String') +
    bytes(frame.userId)
  );
}

/** Greedy batches within both SendMessageBatch limits; a frame too big for any batch is left out and counted. */
export function batchesOf(frames: readonly QueuedFrame[]): { batches: QueuedFrame[][]; oversized: number } {
  const batches: QueuedFrame[][] = [];
  let current: QueuedFrame[] = [];
  let currentBytes = 0;
  let oversized = 0;
  for (const frame of frames) {
    const size = messageBytes(frame);
    if (size > SQS_BATCH_MAX_BYTES) {
      oversized += 1;
      continue;
    }
    if (current.length === SQS_BATCH_MAX_ENTRIES || currentBytes + size > SQS_BATCH_MAX_BYTES) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(frame);
    currentBytes += size;
  }
  if (current.length > 0) batches.push(current);
  return { batches, oversized };
}

/**
 * A record of the redelivery function's SQS event as a RedeliveryRequest; undefined when it does not carry a frame
 * (never written by createSqsFrameQueue). `maxReceives` is the queue's maxReceiveCount: the try that reaches it is
 * the last before the dead-letter queue.
 */
export function redeliveryRequestOf(record: SQSRecord, maxReceives: number): RedeliveryRequest | undefined {
  const connectionId = record.messageAttributes?.[CONNECTION_ID]?.stringValue;
  const userId = record.messageAttributes?.[USER_ID]?.stringValue;
  if (!connectionId || !userId || typeof record.body !== 'string') return undefined;
  const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1);
  return { id: record.messageId, connectionId, userId, payload: record.body, lastTry: receives >= maxReceives };
}

/** One client per queue for the life of the execution environment. */
export const sqsFrameQueueFor = cachedByKey((options: SqsFrameQueueOptions) => options.queueUrl, createSqsFrameQueue);
