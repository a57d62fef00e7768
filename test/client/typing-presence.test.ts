// Typing indicators and presence through the SDK, against the real local stack.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PresenceChange, TypingChange } from '../../client/src/index.js';
import { createUser, record, sleep, startStackFixture, tapped, waitFor, type StackFixture, type TestUser } from './local-stack-fixture.js';

describe('ChatClient typing and presence', () => {
  let fixture: StackFixture;
  const users: TestUser[] = [];
  const user = (label: string, options?: Parameters<typeof createUser>[2], userId?: string) => {
    const created = createUser(fixture, label, options, userId);
    users.push(created);
    return created;
  };

  async function pair(aliceOptions?: Parameters<typeof createUser>[2]) {
    const bob = user('bob');
    const alice = user('alice', aliceOptions);
    await bob.client.connect();
    await alice.client.connect();
    const room = await alice.client.createRoom('typing', [bob.userId]);
    await waitFor(() => bob.client.room(room.roomId) !== undefined, 'bob hears of the room');
    return { alice, bob, roomId: room.roomId };
  }

  beforeAll(async () => {
    fixture = await startStackFixture();
  });
  afterEach(() => {
    for (const u of users.splice(0)) u.client.close();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('tells the receiver "stopped" at expiresAt when no isTyping:false ever comes', async () => {
    const { alice, bob, roomId } = await pair();
    const changes = record(bob.client, 'typingChanged');
    const rawTyping = record(bob.client, 'typing');
    // One raw `isTyping: true` and then silence, as from an app that was killed mid-sentence.
    await alice.client.request('typing', { roomId, isTyping: true });
    await waitFor(() => changes.length === 1, 'typing started');
    const startedAt = Date.now();
    expect(changes[0]).toEqual({ roomId, userId: alice.userId, displayName: 'Alice', isTyping: true });
    expect(bob.client.typing.users(roomId).map((u) => u.userId)).toEqual([alice.userId]);

    await waitFor(() => changes.length === 2, 'typing lapsed', 8_000);
    const lapsedAfter = Date.now() - startedAt;
    expect(changes[1]).toEqual({ roomId, userId: alice.userId, displayName: 'Alice', isTyping: false });
    expect(lapsedAfter).toBeGreaterThan(3_500);
    expect(lapsedAfter).toBeLessThan(6_500);
    expect(rawTyping.map((e) => e.isTyping)).toEqual([true]);
    expect(bob.client.typing.users(roomId)).toEqual([]);
  }, 15_000);

  it('the typing helper sends true at most every resend interval while typing, and false when the user stops', async () => {
    const typingFrames: boolean[] = [];
    const WebSocket = tapped({
      outgoing(data) {
        const frame = JSON.parse(data) as { action: string; isTyping?: boolean };
        if (frame.action === 'typing') typingFrames.push(frame.isTyping!);
      },
    });
    const { alice, bob, roomId } = await pair({ WebSocket, typingResendMs: 1_000, typingIdleMs: 600 });
    const changes: TypingChange[] = record(bob.client, 'typingChanged');
    const input = alice.client.typingIndicator(roomId);
    // 2.2 s of keystrokes every 100 ms.
    for (let i = 0; i < 22; i++) {
      input.keystroke();
      await sleep(100);
    }
    expect(typingFrames.every((t) => t)).toBe(true);
    expect(typingFrames.length).toBeGreaterThanOrEqual(2);
    expect(typingFrames.length).toBeLessThanOrEqual(3);
    await waitFor(() => typingFrames.includes(false), 'the idle stop');
    await waitFor(() => changes.length === 2, 'bob sees start and stop');
    expect(changes.map((c) => c.isTyping)).toEqual([true, false]);

    // An explicit stop, and a message sent while typing: the server clears the indicator, no extra false is sent.
    input.keystroke();
    await waitFor(() => changes.length === 3, 'typing again');
    const framesBefore = typingFrames.length;
    await alice.client.sendMessage(roomId, 'done typing');
    await waitFor(() => changes.length === 4, 'the message ends the indicator');
    await sleep(800);
    expect(typingFrames.length).toBe(framesBefore);
    expect(changes.map((c) => c.isTyping)).toEqual([true, false, true, false]);
  });

  it('keeps a per-room view of who is online, from getPresence and presence events', async () => {
    const { alice, bob, roomId } = await pair();
    const online = await bob.client.presence.watch(roomId);
    expect(online.map((u) => u.userId).sort()).toEqual([alice.userId, bob.userId].sort());
    expect(online.find((u) => u.userId === alice.userId)?.displayName).toBe('Alice');
    const changes: PresenceChange[] = record(bob.client, 'presenceChanged');

    alice.client.close();
    await waitFor(() => changes.length === 1, 'alice goes offline');
    expect(changes[0]).toMatchObject({ roomId, userId: alice.userId, isOnline: false });
    expect(bob.client.presence.online(roomId).map((u) => u.userId)).toEqual([bob.userId]);

    const aliceAgain = user('alice', undefined, alice.userId);
    await aliceAgain.client.connect();
    await waitFor(() => changes.length === 2, 'alice back online');
    expect(changes[1]).toMatchObject({ roomId, userId: alice.userId, isOnline: true });
    expect(changes[1]!.online.find((u) => u.userId === alice.userId)?.displayName).toBe('Alice');
  });

  it('refreshes a watched room after its own reconnect, catching presence changes it missed', async () => {
    const { alice, bob, roomId } = await pair();
    await bob.client.presence.watch(roomId);
    const changes = record(bob.client, 'presenceChanged');
    const release = bob.holdTokens();
    await fixture.deleteConnection(fixture.connectionsOf(bob.userId)[0]!);
    await waitFor(() => bob.client.state === 'reconnecting', 'bob away');
    alice.client.close();
    await waitFor(() => fixture.connectionsOf(alice.userId).length === 0, 'alice gone');
    release();
    await waitFor(() => changes.length === 1, 'bob learns alice left');
    expect(changes[0]).toMatchObject({ userId: alice.userId, isOnline: false });
    expect(bob.client.presence.online(roomId).map((u) => u.userId)).toEqual([bob.userId]);
  });
});
