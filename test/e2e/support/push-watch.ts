// Reading what the local stack's SNS emulation would have pushed (GET /dev/push), and knowing when a message's push
// job has run: a "witness" member (away, one device) gets a push from every job, and the job is done once the push
// queue is empty again.
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import type { DeliveredPush } from '../../../local/sns/local-sns.js';
import type { LocalStack } from './local-stack-fixture.js';
import { sleep } from './test-client.js';

export async function pushesTo(stack: LocalStack, userId: string): Promise<DeliveredPush[]> {
  const response = await fetch(`${stack.httpUrl}/dev/push?userId=${encodeURIComponent(userId)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { pushes: DeliveredPush[] }).pushes;
}

/** Waits until the user has at least `count` pushes; returns them. */
export async function waitForPushes(stack: LocalStack, userId: string, count: number, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const pushes = await pushesTo(stack, userId);
    if (pushes.length >= count) return pushes;
    if (Date.now() > deadline) throw new Error(`${userId}: ${pushes.length} of ${count} pushes after ${ms} ms`);
    await sleep(100);
  }
}

/** Waits until no push job is queued or running. */
export async function pushQueueDrained(stack: LocalStack, ms = 15_000): Promise<void> {
  const client = new SQSClient({
    region: stack.config.region,
    endpoint: stack.push.jobs.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const deadline = Date.now() + ms;
    for (;;) {
      const { Attributes: a } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: stack.push.jobs.queueUrl, AttributeNames: ['All'] }),
      );
      if (a?.ApproximateNumberOfMessages === '0' && a.ApproximateNumberOfMessagesNotVisible === '0') return;
      if (Date.now() > deadline) throw new Error('the push queue did not drain');
      await sleep(100);
    }
  } finally {
    client.destroy();
  }
}

/** After the witness's n-th push: that job has started; once the queue is empty it has ended. */
export async function jobsDone(stack: LocalStack, witnessId: string, pushes: number): Promise<void> {
  await waitForPushes(stack, witnessId, pushes);
  await pushQueueDrained(stack);
}
