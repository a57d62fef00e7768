// Split fan-out: rooms up to the inline threshold are served by the invocation itself; larger rooms hand the
// recipients beyond it to workers in batches, which deliver with the same rules. Every recipient gets each frame
// exactly once when nothing fails, the exclusion holds in the workers too, and nothing is dropped when a batch
// cannot be handed over or a worker fails half way.
import { describe, expect, it } from 'vitest';
import { PostRetriesExhaustedError } from '../../../lambdas/chat/errors.js';
import { planBatches, roomSizeBucket } from '../../../lambdas/chat/fan-out-batches.js';
import type { FanOutBatch } from '../../../lambdas/chat/ports.js';
import { createChatHarness, type ChatHarness, type TestConnection } from '../../fakes/chat-harness.js';
import { MemoryFanOutDispatcher } from '../../fakes/memory-fan-out-dispatcher.js';
import { MemoryFrameQueue } from '../../fakes/memory-frame-queue.js';

const INLINE_MAX = 20;
const BATCH_SIZE = 30;

async function splitRoom(listeners: number, options: { frameQueue?: MemoryFrameQueue; aliceDevices?: number } = {}) {
  const dispatcher = new MemoryFanOutDispatcher();
  const h = createChatHarness({
    config: { fanOut: { inlineMax: INLINE_MAX, batchSize: BATCH_SIZE } },
    fanOutDispatcher: dispatcher,
    ...(options.frameQueue && { frameQueue: options.frameQueue }),
  });
  const alice = await h.connect('alice');
  await h.connect('bob');
  const room = await h.createRoom(alice, 'big', ['bob']);
  // Connection ids sort after every bob device: alice's other devices are read last, so they land in worker batches.
  const aliceDevices: TestConnection[] = [];
  for (let i = 0; i < (options.aliceDevices ?? 0); i += 1)
    aliceDevices.push(await h.connect('alice', { connectionId: `zz-alice-${i}` }));
  const bobDevices = h.stores.dump().subscriptions.filter((s) => s.userId === 'bob');
  for (let i = bobDevices.length; i < listeners; i += 1) await h.connect('bob');
  h.clearFrames();
  const bob = h.stores
    .dump()
    .subscriptions.filter((s) => s.roomId === room.roomId && s.userId === 'bob')
    .map((s): TestConnection => ({ connectionId: s.connectionId, userId: 'bob', connectedAt: 0 }));
  expect(bob).toHaveLength(listeners);
  return { h, dispatcher, alice, aliceDevices, bob, roomId: room.roomId };
}

const runWorkers = (h: ChatHarness, dispatcher: MemoryFanOutDispatcher) =>
  dispatcher.runPending((batch) => h.chat.deliverBatch(batch));

const messagesTo = (h: ChatHarness, device: TestConnection) => h.eventsOf(device, 'message').length;

describe('split fan-out', () => {
  it('a room of exactly the threshold is served inline, each subscriber once', async () => {
    const { h, dispatcher, alice, bob, roomId } = await splitRoom(INLINE_MAX);
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'hi' });
    expect(dispatcher.batches).toEqual([]);
    expect(bob.map((d) => messagesTo(h, d))).toEqual(bob.map(() => 1));
    expect(h.metrics.durations).toEqual([{ ms: 0, roomSize: '≤100' }]);
  });

  it('a room one over the threshold hands the one beyond it to a worker; each subscriber gets the frame once', async () => {
    const { h, dispatcher, alice, bob, roomId } = await splitRoom(INLINE_MAX + 1);
    const deliveriesBefore = h.metrics.total('Deliveries');
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'hi' });
    expect(dispatcher.batches.map((b) => b.recipients.length)).toEqual([1]);
    // Before the worker runs, exactly the threshold has it.
    expect(bob.filter((d) => messagesTo(h, d) === 1)).toHaveLength(INLINE_MAX);
    await runWorkers(h, dispatcher);
    expect(bob.map((d) => messagesTo(h, d))).toEqual(bob.map(() => 1));
    expect(h.metrics.total('FanOutBatchesDispatched')).toBe(1);
    expect(h.metrics.total('Deliveries') - deliveriesBefore).toBe(INLINE_MAX + 1);
  });

  it('a large room is cut into batches of at most the batch size, together covering every recipient once', async () => {
    const { h, dispatcher, alice, bob, roomId } = await splitRoom(250);
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'hi' });
    const sizes = dispatcher.batches.map((b) => b.recipients.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BATCH_SIZE);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(250 - INLINE_MAX);
    const batched = dispatcher.batches.flatMap((b) => b.recipients.map((r) => r.connectionId));
    expect(new Set(batched).size).toBe(batched.length);
    // The sender's own connection is in no batch, and every batch carries the room's size and the frame as posted.
    expect(batched).not.toContain(alice.connectionId);
    for (const batch of dispatcher.batches) {
      expect(batch).toMatchObject({ roomId, roomSize: 250, exclude: { connectionId: alice.connectionId } });
      expect(JSON.parse(batch.payloads[0]!)).toMatchObject({ type: 'message', roomId });
    }
    await runWorkers(h, dispatcher);
    expect(bob.map((d) => messagesTo(h, d))).toEqual(bob.map(() => 1));
    expect(h.eventsOf(alice, 'message')).toEqual([]);
    expect(h.metrics.durations.map((d) => d.roomSize)).toEqual(
      Array.from({ length: dispatcher.batches.length + 1 }, () => '≤1k'),
    );
  });

  it("workers honour the exclusion: a typing user's own devices in worker batches hear nothing", async () => {
    const { h, dispatcher, alice, aliceDevices, bob, roomId } = await splitRoom(60, { aliceDevices: 5 });
    await h.ack(alice, 'typing', { roomId, isTyping: true });
    const batched = dispatcher.batches.flatMap((b) => b.recipients.map((r) => r.connectionId));
    expect(batched.some((id) => id.startsWith('zz-alice'))).toBe(false);
    expect(dispatcher.batches[0]!.exclude).toEqual({ userIds: ['alice'] });
    await runWorkers(h, dispatcher);
    for (const device of [alice, ...aliceDevices]) expect(h.eventsOf(device, 'typing')).toEqual([]);
    expect(bob.map((d) => h.eventsOf(d, 'typing').length)).toEqual(bob.map(() => 1));
  });

  it('a worker applies the exclusion again to whatever batch it is handed', async () => {
    const { h, aliceDevices, bob, roomId } = await splitRoom(3, { aliceDevices: 2 });
    const batch: FanOutBatch = {
      roomId,
      payloads: [JSON.stringify({ type: 'typing', roomId, userId: 'alice', displayName: 'alice', isTyping: false })],
      recipients: [...bob, ...aliceDevices].map(({ connectionId, userId }) => ({ connectionId, userId })),
      exclude: { connectionId: bob[0]!.connectionId, userIds: ['alice'] },
      roomSize: 5,
      startedAt: h.clock.now(),
    };
    await h.chat.deliverBatch(batch);
    expect([...bob, ...aliceDevices].map((d) => h.framesOf(d).length)).toEqual([0, 1, 1, 0, 0]);
  });

  it('batches that cannot be handed over are delivered inline, never dropped', async () => {
    const { h, dispatcher, alice, bob, roomId } = await splitRoom(100);
    dispatcher.refuse = true;
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'hi' });
    expect(bob.map((d) => messagesTo(h, d))).toEqual(bob.map(() => 1));
    expect(h.metrics.total('FanOutBatchesInline')).toBe(Math.ceil((100 - INLINE_MAX) / BATCH_SIZE));
    expect(h.metrics.total('FanOutBatchesDispatched')).toBe(0);
  });

  it('frames too large for an invocation are delivered inline, never dropped', async () => {
    const { h, dispatcher, alice, bob, roomId } = await splitRoom(50);
    dispatcher.maxBatchBytes = 2_000;
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'x'.repeat(3_000) });
    expect(dispatcher.batches).toEqual([]);
    expect(bob.map((d) => messagesTo(h, d))).toEqual(bob.map(() => 1));
    expect(h.metrics.total('FanOutBatchesInline')).toBe(1);
  });

  it('a worker that fails half way is tried again; everyone ends with the frame, repeats only identical copies', async () => {
    const frameQueue = new MemoryFrameQueue();
    const { h, dispatcher, alice, bob, roomId } = await splitRoom(INLINE_MAX + BATCH_SIZE, { frameQueue });
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'hi' });
    const [batch] = dispatcher.batches;
    const half = batch!.recipients.slice(BATCH_SIZE / 2).map((r) => r.connectionId);
    // The first try: the management API keeps failing for half the batch, and the redelivery queue is down.
    for (const id of half) h.notifier.markFailing(id, new PostRetriesExhaustedError(4, 'server-error'));
    frameQueue.refuse = true;
    let tries = 0;
    await dispatcher.runPending(async (b) => {
      tries += 1;
      if (tries === 2) {
        for (const id of half) h.notifier.markHealthy(id);
        frameQueue.refuse = false;
      }
      await h.chat.deliverBatch(b);
    });
    expect(tries).toBe(2);
    expect(dispatcher.failures).toBe(1);
    const copies = bob.map((d) => h.eventsOf(d, 'message'));
    expect(copies.every((c) => c.length >= 1)).toBe(true);
    // Repeats only for the half served by the failed try, and each copy the same message (clients drop it by seq).
    const repeated = bob.filter((_, i) => copies[i]!.length > 1).map((d) => d.connectionId);
    expect(repeated.length).toBe(BATCH_SIZE / 2);
    expect(repeated.some((id) => half.includes(id))).toBe(false);
    for (const c of copies) expect(new Set(c.map((m) => JSON.stringify(m))).size).toBe(1);
    expect(frameQueue.frames).toEqual([]);
  });

  it('a gone recipient in a worker batch is cleaned up as in the inline path', async () => {
    const { h, dispatcher, alice, bob, roomId } = await splitRoom(INLINE_MAX + 5);
    h.clock.advance(h.config.connectGraceMs);
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'hi' });
    const goneId = dispatcher.batches[0]!.recipients[0]!.connectionId;
    h.notifier.markGone(goneId);
    await runWorkers(h, dispatcher);
    expect(h.stores.dump().subscriptions.some((s) => s.connectionId === goneId)).toBe(false);
    expect(h.metrics.total('GoneConnections')).toBe(1);
    expect(bob.filter((d) => messagesTo(h, d) === 1)).toHaveLength(INLINE_MAX + 4);
  });
});

describe('planning batches', () => {
  const template = { roomId: 'r', payloads: ['{"type":"x"}'], exclude: {}, roomSize: 10, startedAt: 0 };
  const recipients = Array.from({ length: 10 }, (_, i) => ({ connectionId: `c${i}`, userId: `u${i}` }));

  it('cuts by count and by bytes, each batch within the byte limit', () => {
    expect(
      planBatches(template, recipients, { batchSize: 4, maxBytes: 100_000 }).batches.map((b) => b.recipients.length),
    ).toEqual([4, 4, 2]);
    const maxBytes = 250;
    const { batches } = planBatches(template, recipients, { batchSize: 100, maxBytes });
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(maxBytes);
    expect(batches.flatMap((b) => b.recipients)).toEqual(recipients);
  });

  it('gives every recipient back when the frames leave no room for one', () => {
    const plan = planBatches({ ...template, payloads: ['x'.repeat(500)] }, recipients, { batchSize: 5, maxBytes: 400 });
    expect(plan).toEqual({ batches: [], tooLarge: recipients });
  });

  it('buckets room sizes for the FanOutDuration dimension', () => {
    expect([1, 100, 101, 1_000, 1_001, 10_000, 10_001].map(roomSizeBucket)).toEqual([
      '≤100',
      '≤100',
      '≤1k',
      '≤1k',
      '≤10k',
      '≤10k',
      '>10k',
    ]);
  });
});
