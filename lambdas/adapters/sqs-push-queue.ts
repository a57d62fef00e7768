// The PushJobQueue port over Amazon SQS (on the local stack, local/sqs through the same client): one message per
// job, its body the job as JSON, held back by DelaySeconds. Also the way back: a record of the push function's event
// into a PushJob.
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Logger, PushJob, PushJobQueue } from '../chat/ports.js';
import { LIMITS } from '../protocol/limits.js';
import { cachedByKey } from './cached-by-key.js';
import { createSqsClient, type SqsQueueTarget } from './sqs-client.js';

/** SQS refuses a DelaySeconds over 15 minutes. */
export const SQS_MAX_DELAY_SECONDS = 900;

export interface SqsPushQueueOptions extends SqsQueueTarget {
  logger: Logger;
}

export function createSqsPushQueue(options: SqsPushQueueOptions): PushJobQueue {
  const client = createSqsClient(options);
  return {
    async enqueue(job, delaySeconds) {
      try {
        await client.send(
          new SendMessageCommand({
            QueueUrl: options.queueUrl,
            MessageBody: JSON.stringify(job),
            DelaySeconds: Math.min(Math.max(0, Math.round(delaySeconds)), SQS_MAX_DELAY_SECONDS),
          }),
        );
        return true;
      } catch (error) {
        options.logger.error('queueing a push job failed', {
          errorName: (error as Error).name,
          errorMessage: (error as Error).message,
        });
        return false;
      }
    },
  };
}

/** One client per queue for the life of the execution environment. */
export const sqsPushQueueFor = cachedByKey((options: SqsPushQueueOptions) => options.queueUrl, createSqsPushQueue);

const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= LIMITS.idMaxLength;

/** The job a record carries; undefined when the body is not one (never written by createSqsPushQueue). */
export function pushJobOf(record: SQSRecord): PushJob | undefined {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { roomId, seq, cursor } = body as Record<string, unknown>;
  if (!isId(roomId) || !Number.isSafeInteger(seq) || (seq as number) < 1) return undefined;
  if (cursor !== undefined && typeof cursor !== 'string') return undefined;
  return { roomId, seq: seq as number, ...(cursor !== undefined && { cursor }) };
}
