// Fan-out: paging through a room's subscribers, bounded concurrency, and bad recipients (gone or throwing).
import { describe, expect, it } from 'vitest';
import { PostRetriesExhaustedError } from '../../../lambdas/chat/errors.js';
import { createChatHarness, type TestConnection } from '../../fakes/chat-harness.js';
import { MemoryFrameQueue } from '../../fakes/memory-frame-queue.js';

async function roomWithListeners(listeners: number, frameQueue?: MemoryFrameQueue) {
  const h = createChatHarness(frameQueue ? { frameQueue } : {});
  const alice = await h.connect('alice');
  const bob = await h.connect('bob');
  const room = await h.createRoom(alice, 'busy', ['bob']);
  const bobDevices: TestConnection[] = [bob];
  for (let i = 1; i < listeners; i += 1) bobDevices.push(await h.connect('bob'));
  h.clearFrames();
  return { h, alice, bobDevices, roomId: room.roomId };
}

describe('fan-out', () => {
  it('reaches every subscriber across many pages of subscriptions', async () => {
    const { h, alice, bobDevices, roomId } = await roomWithListeners(260);
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'to all' });
    const reached = bobDevices.filter((d) => h.eventsOf(d, 'message').length === 1);
    expect(reached).toHaveLength(260);
  });

  it('keeps at most 50 posts in flight', async () => {
    const { h, alice, roomId } = await roomWithListeners(180);
    let inFlight = 0;
    let peak = 0;
    h.notifier.onPost = async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
    };
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'x' });
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(50);
    expect(h.notifier.delivered().filter((p) => p.payload.includes('"type":"message"'))).toHaveLength(180);
  });

  it('a gone recipient is removed like a disconnect; the others are still served', async () => {
    const { h, alice, bobDevices, roomId } = await roomWithListeners(5);
    const [, goneDevice] = bobDevices;
    h.clock.advance(h.config.connectGraceMs); // long open: a 410 now means gone
    h.notifier.markGone(goneDevice!.connectionId);
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'x' });
    for (const device of bobDevices.filter((d) => d !== goneDevice))
      expect(h.eventsOf(device, 'message')).toHaveLength(1);
    const state = h.stores.dump();
    expect(state.connections.some((c) => c.connectionId === goneDevice!.connectionId)).toBe(false);
    expect(state.subscriptions.some((s) => s.connectionId === goneDevice!.connectionId)).toBe(false);
    expect(h.metrics.total('GoneConnections')).toBe(1);
    // bob still has other devices: no offline presence.
    expect(h.eventsOf(alice, 'presence')).toEqual([]);
    // Later broadcasts do not try it again.
    h.clearFrames();
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm2', content: 'y' });
    expect(h.notifier.attempts.filter((a) => a.connectionId === goneDevice!.connectionId)).toEqual([]);
  });

  it("a user's last connection found gone makes them offline to their rooms", async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const room = await h.createRoom(alice, 'r', ['bob']);
    h.clearFrames();
    h.clock.advance(h.config.connectGraceMs);
    h.notifier.markGone(bob.connectionId);
    await h.ack(alice, 'sendMessage', { roomId: room.roomId, clientMessageId: 'm', content: 'x' });
    expect(h.eventsOf(alice, 'presence')).toEqual([
      {
        type: 'presence',
        roomId: room.roomId,
        userId: 'bob',
        isOnline: false,
        lastSeenAt: new Date(h.clock.now()).toISOString(),
      },
    ]);
    expect(h.stores.dump().profiles.find((p) => p.userId === 'bob')!.lastSeenAt).toBe(h.clock.now());
  });

  it('a subscription left behind in a room the user no longer belongs to is removed when found gone', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const room = await h.createRoom(alice, 'r');
    // A stale item, as a crashed clean-up could leave it.
    await h.stores.subscriptions.putSubscriptions([
      { roomId: room.roomId, connectionId: 'stale', userId: 'zed', expiresAt: h.clock.now() + 60_000, muted: false },
    ]);
    h.notifier.markGone('stale');
    await h.ack(alice, 'sendMessage', { roomId: room.roomId, clientMessageId: 'm', content: 'x' });
    expect(h.stores.dump().subscriptions.map((s) => s.connectionId)).toEqual([alice.connectionId]);
  });

  it('one throwing recipient does not stop the rest; it is counted and logged', async () => {
    const { h, alice, bobDevices, roomId } = await roomWithListeners(6);
    h.notifier.markFailing(bobDevices[0]!.connectionId, new Error('socket hang up'));
    h.notifier.markFailing(bobDevices[3]!.connectionId);
    const before = h.metrics.total('FanOutFailures');
    const ack = await h.request(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'x' });
    expect(ack.type).toBe('ack');
    const served = bobDevices.filter((_, i) => i !== 0 && i !== 3);
    for (const device of served) expect(h.eventsOf(device, 'message')).toHaveLength(1);
    expect(h.metrics.total('FanOutFailures') - before).toBe(2);
    expect(h.logger.entries.filter((e) => e.level === 'warn')).toHaveLength(2);
    // A throwing post is not "gone": the connection is kept.
    expect(h.stores.dump().connections.some((c) => c.connectionId === bobDevices[0]!.connectionId)).toBe(true);
  });

  it('a failure reading the subscribers is logged; the sender still has its ack and the message is stored', async () => {
    const { h, alice, bobDevices, roomId } = await roomWithListeners(2);
    h.stores.failNext('listSubscriptions');
    const answer = await h.request(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'x' });
    expect(answer.type).toBe('ack');
    expect(h.stores.dump().messages).toHaveLength(1);
    expect(h.eventsOf(bobDevices[0]!, 'message')).toEqual([]);
    expect(h.logger.entries.some((e) => e.level === 'error' && e.extra?.roomId === roomId)).toBe(true);
  });

  it('a later page failing still leaves the earlier pages served', async () => {
    const { h, alice, bobDevices, roomId } = await roomWithListeners(150);
    const store = h.stores.subscriptions;
    const original = store.listSubscriptions.bind(store);
    store.listSubscriptions = async (room, now, page) => {
      if (page.cursor !== undefined) throw new Error('throttled');
      return original(room, now, page);
    };
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'x' });
    const reached = bobDevices.filter((d) => h.eventsOf(d, 'message').length === 1).length;
    expect(reached).toBeGreaterThanOrEqual(99);
    expect(reached).toBeLessThan(150);
  });
});

const exhausted = () => new PostRetriesExhaustedError(4, 'timeout');

describe('frames whose posts outlast their retries', () => {
  it('are queued for redelivery byte for byte, with their recipient; the others are served; nothing is removed', async () => {
    const queue = new MemoryFrameQueue();
    const { h, alice, bobDevices, roomId } = await roomWithListeners(5, queue);
    const sick = bobDevices[1]!;
    h.notifier.markFailing(sick.connectionId, exhausted());
    const ack = await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'héllo "there" 😀' });
    expect(queue.frames).toHaveLength(1);
    const [frame] = queue.frames;
    expect(frame).toEqual({ connectionId: sick.connectionId, userId: 'bob', payload: expect.any(String) });
    // The payload is the very string the others received.
    expect(frame!.payload).toBe(h.notifier.payloadsFor(bobDevices[0]!.connectionId)[0]);
    expect(JSON.parse(frame!.payload)).toMatchObject({
      type: 'message',
      message: { seq: (ack.message as { seq: number }).seq },
    });
    expect(h.metrics.total('FramesQueued')).toBe(1);
    expect(h.metrics.total('FanOutFailures')).toBe(0);
    expect(h.stores.dump().connections.some((c) => c.connectionId === sick.connectionId)).toBe(true);
  });

  it('a deferred ack is queued too', async () => {
    const queue = new MemoryFrameQueue();
    const h = createChatHarness({ frameQueue: queue });
    const alice = await h.connect('alice');
    h.notifier.markFailing(alice.connectionId, exhausted());
    await h.send(alice, { action: 'ping', requestId: 'p1' });
    expect(queue.frames.map((f) => JSON.parse(f.payload))).toEqual([
      expect.objectContaining({ type: 'ack', requestId: 'p1' }),
    ]);
  });

  it('without a queue, or when the queue refuses them, they are counted lost and logged by connection id only', async () => {
    const queue = new MemoryFrameQueue();
    queue.refuse = true;
    const { h, alice, bobDevices, roomId } = await roomWithListeners(3, queue);
    h.notifier.markFailing(bobDevices[0]!.connectionId, exhausted());
    h.notifier.markFailing(bobDevices[2]!.connectionId, exhausted());
    await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'm', content: 'secret words' });
    expect(h.metrics.total('FanOutFailures')).toBe(2);
    expect(h.metrics.total('FramesQueued')).toBe(0);
    const lost = h.logger.entries.find((e) => e.message.startsWith('frames lost'));
    expect(lost?.extra).toMatchObject({ frames: 2 });
    expect(h.logger.text()).not.toContain('secret words');

    const unqueued = await roomWithListeners(2);
    unqueued.h.notifier.markFailing(unqueued.bobDevices[0]!.connectionId, exhausted());
    await unqueued.h.ack(unqueued.alice, 'sendMessage', {
      roomId: unqueued.roomId,
      clientMessageId: 'm',
      content: 'x',
    });
    expect(unqueued.h.metrics.total('FanOutFailures')).toBe(1);
  });
});

describe("redeliver (the queue's second tries)", () => {
  async function setUp() {
    const queue = new MemoryFrameQueue();
    const h = createChatHarness({ frameQueue: queue });
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    await h.createRoom(alice, 'r', ['bob']);
    h.clearFrames();
    return { h, alice, bob };
  }
  const frame = (connectionId: string, userId: string, id: string, lastTry = false) => ({
    id,
    connectionId,
    userId,
    payload: JSON.stringify({ type: 'typing', id }),
    lastTry,
  });

  it('delivers what now goes through and counts it', async () => {
    const { h, bob } = await setUp();
    const outcome = await h.chat.redeliver([frame(bob.connectionId, 'bob', 'a'), frame(bob.connectionId, 'bob', 'b')]);
    expect(outcome.retryLater).toEqual([]);
    expect(h.notifier.payloadsFor(bob.connectionId)).toEqual([frame('', '', 'a').payload, frame('', '', 'b').payload]);
    expect(h.metrics.total('FramesRedelivered')).toBe(2);
  });

  it('removes a connection found gone, as the fan-out does, and tells its rooms the user left', async () => {
    const { h, alice, bob } = await setUp();
    h.notifier.markGone(bob.connectionId);
    h.clock.advance(h.config.connectGraceMs); // long open: a 410 now means gone
    const outcome = await h.chat.redeliver([frame(bob.connectionId, 'bob', 'g')]);
    expect(outcome.retryLater).toEqual([]);
    expect(h.stores.dump().connections.some((c) => c.connectionId === bob.connectionId)).toBe(false);
    expect(h.stores.dump().subscriptions.some((s) => s.connectionId === bob.connectionId)).toBe(false);
    expect(h.eventsOf(alice, 'presence')).toEqual([expect.objectContaining({ userId: 'bob', isOnline: false })]);
    expect(h.metrics.total('GoneConnections')).toBe(1);
  });

  it('keeps a still-failing frame for later; on its last try counts it given up and reports it failed (to the DLQ)', async () => {
    const { h, bob } = await setUp();
    h.notifier.markFailing(bob.connectionId, exhausted());
    const first = await h.chat.redeliver([frame(bob.connectionId, 'bob', 'x')]);
    expect(first.retryLater).toEqual(['x']);
    expect(h.metrics.total('FramesGivenUp')).toBe(0);
    const last = await h.chat.redeliver([frame(bob.connectionId, 'bob', 'x', true)]);
    expect(last.retryLater).toEqual(['x']);
    expect(h.metrics.total('FramesGivenUp')).toBe(1);
    const logged = h.logger.entries.find((e) => e.message.includes('given up'));
    expect(logged?.extra).toMatchObject({ connectionId: bob.connectionId });
    expect(h.logger.text()).not.toContain('typing');
  });

  it('gives a refused frame up at once (no try would do better), and settles it', async () => {
    const { h, bob } = await setUp();
    h.notifier.markFailing(bob.connectionId, Object.assign(new Error('Forbidden'), { name: 'ForbiddenException' }));
    const outcome = await h.chat.redeliver([frame(bob.connectionId, 'bob', 'f')]);
    expect(outcome.retryLater).toEqual([]);
    expect(h.metrics.total('FramesGivenUp')).toBe(1);
  });
});
