// A fan-out worker that fails half way, on the local stack: the management API keeps failing for part of its batch
// and the redelivery queue is down, so the worker can neither deliver nor queue those frames and fails; the local
// Lambda API runs it again, as Lambda retries an asynchronous invocation. Every listener ends with the message; the
// ones the failed try had already served get it twice, the same frame byte for byte (PROTOCOL.md, "Delivery").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../lambdas/protocol/index.js';
import { FaultInjection } from './support/fault-injection.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import { sleep, type TestClient } from './support/test-client.js';
import { messageEvent } from './support/wire.js';

const INLINE_MAX = 20;
const BATCH_SIZE = 40;
const faults = new FaultInjection();
const local = useLocalStack({
  logLevel: 'SILENT',
  ...faults.stackOptions,
  fanOut: { inlineMax: INLINE_MAX, batchSize: BATCH_SIZE, retryDelaysMs: [300, 600] },
});

beforeAll(() => faults.attach(local.stack));
afterAll(() => faults.detach());

describe('a fan-out worker failing half way', () => {
  it('is run again: every listener ends with the message, repeats only where the failed try had delivered', async () => {
    const { client: alice } = await local.connectNew('alice');
    const bob = local.user('bob');
    const listeners: TestClient[] = [await local.connect(bob)];
    const room = await local.createRoom(alice, [bob]);
    while (listeners.length < 80) {
      const chunk = Math.min(20, 80 - listeners.length);
      listeners.push(...(await Promise.all(Array.from({ length: chunk }, () => local.connect(bob)))));
    }
    // Subscriptions are read in connection-id order: the first 20 are served inline, then batches of 40: the second
    // batch holds the last 20, and its first try serves ten of them before the last ten fail.
    const ids = faults.connectionIdsOf(bob.userId).sort();
    expect(ids).toHaveLength(80);
    const failing = ids.slice(70);
    for (const id of failing) faults.failingOnce.add(id);
    faults.queueDown = true;
    const before = local.stack.lambda.stats();
    try {
      const message = (await alice.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'm', content: 'hi' }))
        .message as Message;
      const first = await Promise.all(listeners.map((l) => l.waitFor(messageEvent(room.roomId, message.id), 15_000)));
      await local.stack.lambda.idle();
      await sleep(300);
      const repeats = listeners.map((l) => l.discard(messageEvent(room.roomId, message.id)));
      const after = local.stack.lambda.stats();
      expect(after.accepted - before.accepted).toBe(2);
      expect(after.failures - before.failures).toBe(1);
      expect(after.invocations - before.invocations).toBe(3);
      expect(after.dropped - before.dropped).toBe(0);
      expect(faults.failingOnce.size).toBe(0);
      // Ten listeners were served by the failed try and again by the retry; nobody got it a third time.
      expect(repeats.map((r) => r.length).sort()).toEqual([...Array(70).fill(0), ...Array(10).fill(1)]);
      repeats.forEach((copies, index) => {
        for (const copy of copies) expect(copy).toEqual(first[index]);
      });
    } finally {
      faults.queueDown = false;
      faults.failingOnce.clear();
    }
  }, 60_000);
});
