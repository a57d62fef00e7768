// Lambda's SQS event source mapping, as the local stack needs it: pollers long-poll the queue with the real SQS
// client, hand each batch to the function as the SQSEvent AWS builds, and delete what the function settled. With
// ReportBatchItemFailures, the records the function names in batchItemFailures stay in the queue (visible again
// after the visibility timeout); a function that throws, or answers with an identifier that is not in the batch,
// fails the whole batch, as on AWS.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueueHandler } from '../../lambdas/adapters/wiring.js';
import type { Logger } from '../../lambdas/chat/ports.js';

export interface EventSourceMappingOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  handler: QueueHandler;
  logger: Logger;
  /** Records per invocation (the mapping's BatchSize, at most 10 here). */
  batchSize?: number;
  /**
   * Batches handled at once at the start; default 5, the concurrency Lambda starts an SQS mapping with. While the
   * queue keeps filling whole batches, Lambda adds pollers (up to 300 a minute); here 5 a second, up to maxPollers.
   */
  pollers?: number;
  /** The most batches at once (default 50; a bound for one process, where AWS goes to 1,250 invocations). */
  maxPollers?: number;
  /** Long-poll wait per receive; short, so stopping is quick. */
  waitTimeSeconds?: number;
}

export interface EventSourceMapping {
  /** Finishes the batches in hand, then stops polling. */
  stop(): Promise<void>;
}

export function startEventSourceMapping(options: EventSourceMappingOptions): EventSourceMapping {
  let running = true;
  /** Receives that came back with a whole batch since the scaler last looked. */
  let fullBatches = 0;

  async function pollOnce(): Promise<void> {
    const answer = await options.client.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: options.batchSize ?? 10,
        WaitTimeSeconds: options.waitTimeSeconds ?? 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length === (options.batchSize ?? 10)) fullBatches += 1;
    if (messages.length === 0 || !running) return;
    const event: SQSEvent = { Records: messages.map((message) => recordOf(message, options)) };
    const settled = await settledRecords(event);
    if (settled.length === 0) return;
    await options.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: settled.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
  }

  /** The records to delete: all but the reported failures; none when the invocation failed as a whole. */
  async function settledRecords(event: SQSEvent): Promise<SQSRecord[]> {
    let response;
    try {
      response = await options.handler(event);
    } catch (error) {
      options.logger.error('redelivery function failed; the batch is tried again', {
        errorMessage: (error as Error).message,
      });
      return [];
    }
    const ids = new Set(event.Records.map((record) => record.messageId));
    const failures = response?.batchItemFailures ?? [];
    if (failures.some((failure) => typeof failure?.itemIdentifier !== 'string' || !ids.has(failure.itemIdentifier))) {
      options.logger.error('batchItemFailures names a record not in the batch; the batch is tried again');
      return [];
    }
    const failed = new Set(failures.map((failure) => failure.itemIdentifier));
    return event.Records.filter((record) => !failed.has(record.messageId));
  }

  async function poller(): Promise<void> {
    while (running) {
      try {
        await pollOnce();
      } catch (error) {
        if (!running) return;
        options.logger.warn('polling the redelivery queue failed', { errorMessage: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  const pollers = Array.from({ length: options.pollers ?? 5 }, poller);
  // A backlog (whole batches in the last second) gets more pollers, as Lambda scales an SQS mapping up.
  const scaler = setInterval(() => {
    const room = (options.maxPollers ?? 50) - pollers.length;
    if (fullBatches > 0 && room > 0) pollers.push(...Array.from({ length: Math.min(5, room) }, poller));
    fullBatches = 0;
  }, 1_000);
  scaler.unref();
  return {
    async stop() {
      running = false;
      clearInterval(scaler);
      await Promise.all(pollers);
    },
  };
}

/** A received message as Lambda's SQS event record (camelCase names, attribute values as strings). */
function recordOf(message: Message, options: Pick<EventSourceMappingOptions, 'queueArn' | 'region'>): SQSRecord {
  const attributes = new Map(Object.entries(message.Attributes ?? {}));
  const messageAttributes = Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
    name,
    {
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
      ...(value.BinaryValue !== undefined && { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType ?? 'String',
    },
  ]);
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.get('ApproximateReceiveCount') ?? '1',
      SentTimestamp: attributes.get('SentTimestamp') ?? '',
      SenderId: attributes.get('SenderId') ?? '',
      ApproximateFirstReceiveTimestamp: attributes.get('ApproximateFirstReceiveTimestamp') ?? '',
    },
    messageAttributes: Object.fromEntries(messageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes && { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn,
    awsRegion: options.region,
  };
}
