// The $connect race (connection-lifecycle.ts): the gateway answers 410 to a post to a connection whose $connect has
// not returned, or that it has not registered yet. Such a 410 removes nothing; a 410 of a connection open longer
// than the grace period, or of one whose $connect never completed, still does.
import { describe, expect, it } from 'vitest';
import { CONNECT_TIMEOUT_MS } from '../../../lambdas/chat/connection-lifecycle.js';
import { createChatHarness, type ChatHarness, type TestConnection } from '../../fakes/chat-harness.js';
import { MemoryFrameQueue } from '../../fakes/memory-frame-queue.js';

async function busyRoom(frameQueue?: MemoryFrameQueue) {
  const h = createChatHarness(frameQueue ? { frameQueue } : {});
  const alice = await h.connect('alice');
  const late = await h.connect('late');
  const room = await h.createRoom(alice, 'busy', ['late']);
  await h.disconnect(late);
  h.clearFrames();
  let said = 0;
  const say = () =>
    h.ack(alice, 'sendMessage', { roomId: room.roomId, clientMessageId: `m${++said}`, content: `#${said}` });
  return { h, alice, roomId: room.roomId, say };
}

/** Connects `late`, running `during` at the last step of its $connect, while the gateway answers 410 for it. */
async function connectWhile(
  h: ChatHarness,
  connectionId: string,
  during: () => Promise<unknown>,
): Promise<TestConnection> {
  const store = h.stores.connections as unknown as { markConnectCompleted: (...args: unknown[]) => Promise<boolean> };
  const mark = store.markConnectCompleted.bind(store);
  store.markConnectCompleted = async (...args) => {
    store.markConnectCompleted = mark;
    await during();
    return mark(...args);
  };
  h.notifier.markGone(connectionId);
  const connection = await h.connect('late', { connectionId });
  // The gateway registers the connection once $connect has returned.
  h.notifier.markOpen(connectionId);
  return connection;
}

const itemsOf = (h: ChatHarness, connectionId: string) => {
  const state = h.stores.dump();
  return {
    connection: state.connections.some((c) => c.connectionId === connectionId),
    subscriptions: state.subscriptions.filter((s) => s.connectionId === connectionId).length,
  };
};

describe('a 410 while the connection is being opened', () => {
  it('removes nothing and announces nothing; the connection then hears the room without saying anything', async () => {
    const { h, alice, roomId, say } = await busyRoom();
    const late = await connectWhile(h, 'late-1', async () => {
      await say();
      expect(h.notifier.attempts.filter((a) => a.connectionId === 'late-1').map((a) => a.outcome)).toEqual(['gone']);
      expect(itemsOf(h, 'late-1')).toEqual({ connection: true, subscriptions: 1 });
    });
    expect(itemsOf(h, 'late-1')).toEqual({ connection: true, subscriptions: 1 });
    expect(h.eventsOf(alice, 'presence').map((e) => e.isOnline)).toEqual([true]);
    expect(h.logger.entries).toContainEqual(
      expect.objectContaining({
        message: 'frames reached a connection before it opened',
        extra: { connectionId: 'late-1', frames: 1 },
      }),
    );

    const after = await say();
    expect(h.eventsOf(late, 'message').map((e) => e.message.id)).toEqual([(after.message as { id: string }).id]);
    // What was said while it opened is in the history it reads.
    const history = await h.ack(late, 'getHistory', { roomId });
    expect((history.messages as unknown[]).length).toBe(2);
  });

  it('keeps a connection found "gone" within the grace period after $connect, and removes it after', async () => {
    const { h, alice, say } = await busyRoom();
    const late = await h.connect('late', { connectionId: 'late-2' });
    h.notifier.markGone('late-2'); // not registered by the gateway yet, or closed right away
    h.clock.advance(h.config.connectGraceMs - 1);
    await say();
    expect(itemsOf(h, 'late-2')).toEqual({ connection: true, subscriptions: 1 });
    h.clock.advance(1);
    await say();
    expect(itemsOf(h, 'late-2')).toEqual({ connection: false, subscriptions: 0 });
    expect(h.eventsOf(alice, 'presence').map((e) => e.isOnline)).toEqual([true, false]);
    expect(late.connectionId).toBe('late-2');
  });

  it('removes a connection whose $connect never completed once no $connect can still be running', async () => {
    const { h, say } = await busyRoom();
    const connectedAt = h.clock.now();
    // A refused $connect whose clean-up failed: its items stay, without the completion mark.
    h.stores.failNext('markConnectCompleted');
    h.stores.failNext('deleteConnection');
    await expect(h.connect('late', { connectionId: 'late-3', connectedAt })).rejects.toThrow();
    h.notifier.markGone('late-3');
    h.clock.advance(CONNECT_TIMEOUT_MS - 1);
    await say();
    expect(itemsOf(h, 'late-3')).toEqual({ connection: true, subscriptions: 1 });
    h.clock.advance(1);
    await say();
    expect(itemsOf(h, 'late-3')).toEqual({ connection: false, subscriptions: 0 });
  });

  it('a connection closed while its $connect ran is not brought back by the completion mark', async () => {
    const { h } = await busyRoom();
    const closing = await connectWhile(h, 'late-4', () =>
      h.chat.onDisconnect({ connectionId: 'late-4', userId: 'late' }),
    );
    expect(itemsOf(h, closing.connectionId)).toEqual({ connection: false, subscriptions: 0 });
  });

  it('queues the frames refused while it opened, held back a moment, and the redelivery brings them once it is open', async () => {
    const queue = new MemoryFrameQueue();
    const { h, roomId, say } = await busyRoom(queue);
    let said: Record<string, unknown> | undefined;
    const late = await connectWhile(h, 'late-q', async () => {
      said = await say();
    });
    expect(queue.frames.map((f) => f.connectionId)).toEqual(['late-q']);
    expect(queue.delaysSeconds[0]).toBeGreaterThan(0);
    expect(JSON.parse(queue.frames[0]!.payload)).toMatchObject({ type: 'message', roomId });

    const outcome = await h.chat.redeliver([{ ...queue.frames[0]!, id: 'q1', lastTry: false }]);
    expect(outcome.retryLater).toEqual([]);
    expect(h.eventsOf(late, 'message').map((e) => e.message.id)).toEqual([(said!.message as { id: string }).id]);
  });

  it('a queued frame whose connection is still opening is tried again later, and given up on its last try', async () => {
    const queue = new MemoryFrameQueue();
    const { h, say } = await busyRoom(queue);
    await connectWhile(h, 'late-r', async () => {
      await say();
    });
    h.notifier.markGone('late-r'); // the gateway still does not know it
    const frame = queue.frames[0]!;
    expect((await h.chat.redeliver([{ ...frame, id: 'r1', lastTry: false }])).retryLater).toEqual(['r1']);
    expect(itemsOf(h, 'late-r')).toEqual({ connection: true, subscriptions: 1 });
    expect((await h.chat.redeliver([{ ...frame, id: 'r2', lastTry: true }])).retryLater).toEqual(['r2']);
    expect(h.metrics.total('FramesGivenUp')).toBe(1);
  });
});
