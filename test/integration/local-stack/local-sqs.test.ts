// The local SQS emulation through the real @aws-sdk/client-sqs client: the frame queue adapter's batches, SQS's
// batch limits, visibility timeouts, receive counts and the redrive to a dead-letter queue, and the event source
// mapping's handling of batchItemFailures.
import { ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchesOf,
  createSqsFrameQueue,
  messageBytes,
  redeliveryRequestOf,
  SQS_BATCH_MAX_BYTES,
} from '../../../lambdas/adapters/sqs-frame-queue.js';
import type { QueuedFrame } from '../../../lambdas/chat/ports.js';
import { startEventSourceMapping } from '../../../local/sqs/event-source-mapping.js';
import { startLocalSqs, type LocalSqs } from '../../../local/sqs/local-sqs.js';
import { RecordingLogger } from '../../fakes/chat-harness.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let sqs: LocalSqs;
let client: SQSClient;
let queueCounter = 0;

beforeAll(async () => {
  sqs = await startLocalSqs({ region: 'us-east-1' });
  client = new SQSClient({ region: 'us-east-1', endpoint: sqs.endpoint, credentials });
});
afterAll(async () => {
  client.destroy();
  await sqs.stop();
});

function queuePair(visibilityTimeoutMs: number, maxReceiveCount: number) {
  queueCounter += 1;
  const deadLetters = sqs.createQueue(`dlq-${queueCounter}`, { visibilityTimeoutMs });
  const queue = sqs.createQueue(`queue-${queueCounter}`, {
    visibilityTimeoutMs,
    redrive: { deadLetterQueue: deadLetters, maxReceiveCount },
  });
  return { queue, deadLetters };
}

const receive = (QueueUrl: string, VisibilityTimeout?: number) =>
  client.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
      ...(VisibilityTimeout !== undefined && { VisibilityTimeout }),
    }),
  );

const frame = (i: number, size = 50): QueuedFrame => ({
  connectionId: `conn-${i}=`,
  userId: `user-${i}`,
  payload: JSON.stringify({ type: 'message', i, content: `ü"\\\\😀`.repeat(Math.ceil(size / 8)) }),
});

describe('the frame queue adapter on the local SQS', () => {
  it('splits frames into batches within 10 entries and 256 KiB, and every frame arrives byte for byte with its recipient', async () => {
    const { queue } = queuePair(30_000, 5);
    const frames = [
      ...Array.from({ length: 13 }, (_, i) => frame(i)),
      ...Array.from({ length: 5 }, (_, i) => frame(100 + i, 100_000)),
    ];
    const { batches } = batchesOf(frames);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(10);
      expect(batch.reduce((sum, f) => sum + messageBytes(f), 0)).toBeLessThanOrEqual(SQS_BATCH_MAX_BYTES);
    }
    expect(batches.length).toBeGreaterThanOrEqual(4);
    const adapter = createSqsFrameQueue({
      queueUrl: queue.url,
      region: 'us-east-1',
      credentials,
      logger: new RecordingLogger(),
    });
    try {
      await expect(adapter.enqueue(frames)).resolves.toEqual({ queued: frames.length, failed: 0 });
    } finally {
      adapter.destroy();
    }
    const received = new Map<string, QueuedFrame>();
    for (let round = 0; round < 5 && received.size < frames.length; round += 1) {
      for (const message of (await receive(queue.url)).Messages ?? []) {
        received.set(message.MessageAttributes!.connectionId!.StringValue!, {
          connectionId: message.MessageAttributes!.connectionId!.StringValue!,
          userId: message.MessageAttributes!.userId!.StringValue!,
          payload: message.Body!,
        });
      }
    }
    expect([...received.values()].sort((a, b) => a.connectionId.localeCompare(b.connectionId))).toEqual(
      [...frames].sort((a, b) => a.connectionId.localeCompare(b.connectionId)),
    );
  });

  it('reports what the queue would not take instead of throwing', async () => {
    const adapter = createSqsFrameQueue({
      queueUrl: `${sqs.endpoint}/000000000000/no-such-queue`,
      region: 'us-east-1',
      credentials,
      logger: new RecordingLogger(),
    });
    try {
      await expect(adapter.enqueue([frame(1), frame(2)])).resolves.toEqual({ queued: 0, failed: 2 });
    } finally {
      adapter.destroy();
    }
  });
});

describe('SQS limits and semantics', () => {
  it('refuses a batch of 11 entries and one past 256 KiB in all, as SQS does', async () => {
    const { queue } = queuePair(30_000, 5);
    const entries = (count: number, bytes: number) =>
      Array.from({ length: count }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x'.repeat(bytes) }));
    await expect(
      client.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries(11, 10) })),
    ).rejects.toMatchObject({
      name: 'TooManyEntriesInBatchRequest',
    });
    await expect(
      client.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries(3, 100_000) })),
    ).rejects.toMatchObject({
      name: 'BatchRequestTooLong',
    });
  });

  it('hides a received message for the visibility timeout, counts every receive, and moves it to the DLQ past maxReceiveCount', async () => {
    const { queue, deadLetters } = queuePair(30_000, 2);
    await client.send(
      new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: [{ Id: 'a', MessageBody: '{"n":1}' }] }),
    );
    const first = (await receive(queue.url, 0)).Messages ?? [];
    expect(first.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['1']);
    const second = (await receive(queue.url)).Messages ?? [];
    expect(second.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['2']);
    // Invisible now (30 s): nothing to receive.
    expect((await receive(queue.url)).Messages ?? []).toEqual([]);
    queue.changeVisibility(second[0]!.ReceiptHandle!, 0);
    // A third receive would pass maxReceiveCount (2): the message moves to the dead-letter queue instead.
    expect((await receive(queue.url)).Messages ?? []).toEqual([]);
    const dead = (await receive(deadLetters.url)).Messages ?? [];
    expect(dead.map((m) => [m.MessageId, m.Body])).toEqual([[first[0]!.MessageId, '{"n":1}']]);
  });
});

describe('the event source mapping', () => {
  it('deletes the records the function settled, keeps those it reported failed, and keeps the whole batch when it throws', async () => {
    const { queue } = queuePair(200, 10);
    const adapter = createSqsFrameQueue({
      queueUrl: queue.url,
      region: 'us-east-1',
      credentials,
      logger: new RecordingLogger(),
    });
    await adapter.enqueue([frame(1), frame(2), frame(3)]);
    adapter.destroy();
    const seen: Array<{ connectionId: string; receives: string }> = [];
    let invocations = 0;
    const mapping = startEventSourceMapping({
      client,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: 'us-east-1',
      logger: new RecordingLogger(),
      pollers: 1,
      async handler(event: SQSEvent) {
        invocations += 1;
        for (const record of event.Records) {
          expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: queue.arn, awsRegion: 'us-east-1' });
          const request = redeliveryRequestOf(record, 10)!;
          seen.push({ connectionId: request.connectionId, receives: record.attributes.ApproximateReceiveCount });
        }
        // First invocation: throws (all kept). Then conn-2= fails once more; the rest are settled.
        if (invocations === 1) throw new Error('crashed');
        const failing = event.Records.filter(
          (r) => redeliveryRequestOf(r, 10)!.connectionId === 'conn-2=' && r.attributes.ApproximateReceiveCount === '2',
        );
        return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    try {
      // A ceiling, not a timing check: the three rounds take about a second, far longer on a machine busy with other work.
      const deadline = Date.now() + 25_000;
      while (queue.counts().visible + queue.counts().inFlight > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
    } finally {
      await mapping.stop();
    }
    expect(queue.counts()).toEqual({ visible: 0, inFlight: 0 });
    const receivesOf = (id: string) => seen.filter((s) => s.connectionId === id).map((s) => s.receives);
    expect(receivesOf('conn-1=')).toEqual(['1', '2']);
    expect(receivesOf('conn-2=')).toEqual(['1', '2', '3']);
    expect(receivesOf('conn-3=')).toEqual(['1', '2']);
  });
});
