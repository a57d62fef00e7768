// The split fan-out on the local stack, as on AWS: the message handler (on the functions' thread) invokes the fan-out
// worker through the real @aws-sdk/client-lambda at the stack's Lambda Invoke API, which runs it asynchronously on
// the same function host. The threshold is lowered to 20 so that a few hundred real sockets make a large room.
import { describe, expect, it } from 'vitest';
import type { Message } from '../../lambdas/protocol/index.js';
import { useLocalStack, type StackFixture, type TestUser } from './support/local-stack-fixture.js';
import { sleep, type TestClient } from './support/test-client.js';
import { frameOf, messageEvent } from './support/wire.js';

const INLINE_MAX = 20;
const BATCH_SIZE = 40;
const local = useLocalStack({ fanOut: { inlineMax: INLINE_MAX, batchSize: BATCH_SIZE } });

/** `count` connections of one user, opened a few at a time. */
async function connectDevices(stack: StackFixture, user: TestUser, count: number): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  for (let i = 0; i < count; i += 20) {
    const chunk = Math.min(20, count - i);
    clients.push(...(await Promise.all(Array.from({ length: chunk }, () => stack.connect(user, { label: 'd' })))));
  }
  return clients;
}

/** Waits until no worker runs or waits for a retry, and the frames in flight have landed. */
async function settled(): Promise<void> {
  await local.stack.lambda.idle();
  await sleep(300);
}

/** Sends one message from `sender` and returns how many copies of it each listener holds once all is settled. */
async function copiesOfOneMessage(sender: TestClient, roomId: string, listeners: TestClient[]): Promise<number[]> {
  const message = (await sender.ack('sendMessage', { roomId, clientMessageId: 'm', content: 'to everyone' }))
    .message as Message;
  await Promise.all(listeners.map((listener) => listener.waitFor(messageEvent(roomId, message.id), 15_000)));
  await settled();
  // One copy was claimed by waitFor; any repeat is still unclaimed.
  return listeners.map((listener) => 1 + listener.discard(messageEvent(roomId, message.id)).length);
}

describe('split fan-out on the local stack', () => {
  it('a room of exactly the threshold is served inline: each listener once, no worker invoked', async () => {
    const { client: alice } = await local.connectNew('alice');
    const bob = local.user('bob');
    const listeners = await connectDevices(local, bob, 1);
    const room = await local.createRoom(alice, [bob]);
    listeners.push(...(await connectDevices(local, bob, INLINE_MAX - 1)));
    const before = local.stack.lambda.stats().accepted;
    expect(await copiesOfOneMessage(alice, room.roomId, listeners)).toEqual(listeners.map(() => 1));
    expect(local.stack.lambda.stats().accepted - before).toBe(0);
  }, 60_000);

  it('a room one over the threshold invokes one worker: each listener once', async () => {
    const { client: alice } = await local.connectNew('alice');
    const bob = local.user('bob');
    const listeners = await connectDevices(local, bob, 1);
    const room = await local.createRoom(alice, [bob]);
    listeners.push(...(await connectDevices(local, bob, INLINE_MAX)));
    const before = local.stack.lambda.stats();
    expect(await copiesOfOneMessage(alice, room.roomId, listeners)).toEqual(listeners.map(() => 1));
    const after = local.stack.lambda.stats();
    expect(after.accepted - before.accepted).toBe(1);
    expect(after.failures - before.failures).toBe(0);
  }, 60_000);

  it('a room of 300 sockets is split across workers, each listener once; the exclusion holds in the workers', async () => {
    const alice = local.user('alice');
    const aliceDevices = await connectDevices(local, alice, 1);
    const bob = local.user('bob');
    const listeners = await connectDevices(local, bob, 1);
    const room = await local.createRoom(aliceDevices[0]!, [bob]);
    listeners.push(...(await connectDevices(local, bob, 289)));
    aliceDevices.push(...(await connectDevices(local, alice, 9)));
    const before = local.stack.lambda.stats().accepted;
    expect(await copiesOfOneMessage(aliceDevices[0]!, room.roomId, listeners)).toEqual(listeners.map(() => 1));
    // The sender's other devices are subscribers like any other.
    for (const device of aliceDevices.slice(1)) device.discard(messageEvent(room.roomId));
    const workers = local.stack.lambda.stats().accepted - before;
    expect(workers).toBe(Math.ceil((300 - 1 - INLINE_MAX) / BATCH_SIZE));

    // typing goes to everyone but the typing user's own connections, most of which sit in worker batches.
    await aliceDevices[0]!.ack('typing', { roomId: room.roomId, isTyping: true });
    const typing = frameOf('typing', { roomId: room.roomId, userId: alice.userId });
    await Promise.all(listeners.map((listener) => listener.waitFor(typing, 15_000)));
    await settled();
    expect(listeners.map((listener) => listener.discard(typing).length)).toEqual(listeners.map(() => 0));
    for (const device of aliceDevices) await device.expectNoFrame(typing, 0);
    const typingRecipients = 290;
    expect(local.stack.lambda.stats().accepted - before).toBe(
      workers + Math.ceil((typingRecipients - INLINE_MAX) / BATCH_SIZE),
    );
  }, 120_000);
});
