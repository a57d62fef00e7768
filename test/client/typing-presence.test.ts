// Typing indicators and presence through the SDK, against the real local stack.
import { describe, expect, it } from 'vitest';
import type { PresenceChange, TypingChange } from '../../client/src/index.js';
import { record, sleep, tapped, useLocalStack, waitFor } from './local-stack-fixture.js';

describe('ChatClient typing and presence', () => {
  const local = useLocalStack();
  const { user, pair } = local;

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
    const { alice, bob, roomId } = await pair(undefined, { WebSocket, typingResendMs: 1_000, typingIdleMs: 600 });
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
    // Carol stays connected: she tells the test when the server has Alice offline.
    const carol = user('carol');
    await carol.client.connect();
    await alice.client.addMembers(roomId, [carol.userId]);
    await waitFor(() => carol.client.room(roomId) !== undefined, 'carol in the room');
    await carol.client.presence.watch(roomId);
    await bob.client.presence.watch(roomId);
    const changes = record(bob.client, 'presenceChanged');
    const release = bob.holdTokens();
    await local.fixture.deleteConnection(local.fixture.connectionsOf(bob.userId)[0]!);
    await waitFor(() => bob.client.state === 'reconnecting', 'bob away');
    alice.client.close();
    await waitFor(() => !carol.client.presence.online(roomId).some((u) => u.userId === alice.userId), 'alice offline');
    release();
    await waitFor(() => changes.length === 1, 'bob learns alice left');
    expect(changes[0]).toMatchObject({ userId: alice.userId, isOnline: false });
    expect(
      bob.client.presence
        .online(roomId)
        .map((u) => u.userId)
        .sort(),
    ).toEqual([bob.userId, carol.userId].sort());
  });
});
