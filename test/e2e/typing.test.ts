// PROTOCOL.md "typing": start, silence within 3 s, re-broadcast after 3 s, stop, clearing by sendMessage, expiry.
// Two tests wait real time (the 3-second re-broadcast and the 5-second expiry).
import { describe, expect } from 'vitest';
import { useLocalStack, type TestUser } from './support/local-stack-fixture.js';
import { sleep, type TestClient } from './support/test-client.js';
import { expectIsoTime, expectIsoTimeBetween, frameOf, messageEvent } from './support/wire.js';

const local = useLocalStack();

interface Scene {
  alice: TestUser;
  a1: TestClient;
  a2: TestClient;
  bob: TestUser;
  b: TestClient;
  roomId: string;
}

/** Alice on two devices and Bob on one, in one room. */
async function scene(): Promise<Scene> {
  const {
    user: alice,
    clients: [a1, a2],
  } = await local.devices('alice');
  const { user: bob, client: b } = await local.connectNew('bob');
  const room = await local.createRoom(a1, [bob]);
  return { alice, a1, a2, bob, b, roomId: room.roomId };
}

const typingIn =
  (roomId: string, isTyping?: boolean) => (frame: { type?: string; roomId?: unknown; isTyping?: unknown }) =>
    frame.type === 'typing' && frame.roomId === roomId && (isTyping === undefined || frame.isTyping === isTyping);

describe('typing', () => {
  local.it("a start is broadcast with expiresAt 5 s ahead, never to the typing user's own connections", async () => {
    const { alice, a1, a2, b, roomId } = await scene();
    const before = Date.now();
    const ack = await a1.ack('typing', { roomId, isTyping: true });
    const after = Date.now();
    expect(Object.keys(ack).sort()).toEqual(['action', 'requestId', 'type']);
    const event = await b.waitFor(typingIn(roomId));
    expect(event).toMatchObject({
      type: 'typing',
      roomId,
      userId: alice.userId,
      displayName: alice.name,
      isTyping: true,
    });
    expect(Object.keys(event).sort()).toEqual(['displayName', 'expiresAt', 'isTyping', 'roomId', 'type', 'userId']);
    expectIsoTimeBetween(event.expiresAt, before + 5_000, after + 5_000);
    await a1.expectNoFrame(frameOf('typing'));
    await a2.expectNoFrame(frameOf('typing'), 0);
  });

  local.it("a repeat within 3 s sends nothing, from any of the user's devices", async () => {
    const { a1, a2, b, roomId } = await scene();
    await a1.ack('typing', { roomId, isTyping: true });
    await b.waitFor(typingIn(roomId, true));
    await a1.ack('typing', { roomId, isTyping: true });
    await a2.ack('typing', { roomId, isTyping: true });
    await b.expectNoFrame(typingIn(roomId));
    await a1.expectNoFrame(frameOf('typing'), 0);
    await a2.expectNoFrame(frameOf('typing'), 0);
  });

  local.it('is re-broadcast with the new expiresAt once 3 s have passed since the last broadcast', async () => {
    const { alice, a1, a2, b, roomId } = await scene();
    const startedAt = Date.now();
    await a1.ack('typing', { roomId, isTyping: true });
    const answeredAt = Date.now();
    const first = await b.waitFor(typingIn(roomId, true));

    // Still inside the 3 s window (measured from when the start was sent, which is no later than its broadcast).
    await sleep(Math.max(0, startedAt + 2_400 - Date.now()));
    await a1.ack('typing', { roomId, isTyping: true });
    await b.expectNoFrame(typingIn(roomId), 200);

    // Past the window (measured from the ack, which is no earlier than the broadcast).
    await sleep(Math.max(0, answeredAt + 3_150 - Date.now()));
    const resentAt = Date.now();
    await a2.ack('typing', { roomId, isTyping: true });
    const resentAckAt = Date.now();
    const second = await b.waitFor(typingIn(roomId, true));
    expect(second).toMatchObject({ userId: alice.userId, displayName: alice.name, isTyping: true });
    const firstExpiry = expectIsoTime(first.expiresAt);
    const secondExpiry = expectIsoTimeBetween(second.expiresAt, resentAt + 5_000, resentAckAt + 5_000);
    expect(secondExpiry).toBeGreaterThan(firstExpiry);
    await a1.expectNoFrame(frameOf('typing'));
    await a2.expectNoFrame(frameOf('typing'), 0);
  });

  local.it('isTyping false broadcasts a stop only while the indicator is live', async () => {
    const { alice, a1, a2, b, roomId } = await scene();
    // Not live yet: nothing.
    await a1.ack('typing', { roomId, isTyping: false });
    await b.expectNoFrame(typingIn(roomId));

    await a1.ack('typing', { roomId, isTyping: true });
    await b.waitFor(typingIn(roomId, true));
    await a1.ack('typing', { roomId, isTyping: false });
    const stop = await b.waitFor(typingIn(roomId, false));
    expect(stop).toMatchObject({
      type: 'typing',
      roomId,
      userId: alice.userId,
      displayName: alice.name,
      isTyping: false,
    });

    // No longer live: a second stop sends nothing, and a new start is a start again.
    await a2.ack('typing', { roomId, isTyping: false });
    await b.expectNoFrame(typingIn(roomId));
    await a2.ack('typing', { roomId, isTyping: true });
    await b.waitFor(typingIn(roomId, true));
    await a1.expectNoFrame(frameOf('typing'), 0);
    await a2.expectNoFrame(frameOf('typing'), 0);
  });

  local.it("ends with the user's last connection: a stop in every room they were typing in", async () => {
    const { alice, a1, a2, bob, b, roomId } = await scene();
    const other = (await local.createRoom(a1, [bob])).roomId;
    await b.waitFor((f) => f.type === 'roomJoined' && (f.room as { roomId?: unknown }).roomId === other);
    await a1.ack('typing', { roomId, isTyping: true });
    await a2.ack('typing', { roomId: other, isTyping: true });
    await b.waitFor(typingIn(roomId, true));
    await b.waitFor(typingIn(other, true));

    // Another of alice's devices is still connected: the indicators stay.
    await a1.close();
    await b.expectNoFrame(typingIn(roomId, false));
    await a2.close();
    const stops = [await b.waitFor(typingIn(roomId, false)), await b.waitFor(typingIn(other, false))];
    for (const stop of stops) expect(stop).toMatchObject({ userId: alice.userId, displayName: alice.name });
    expect((await b.ack('getPresence', { roomId })).typing).toEqual([]);
    expect((await b.ack('getPresence', { roomId: other })).typing).toEqual([]);
    // Told once per room.
    await b.expectNoFrame(typingIn(roomId, false));
    await b.expectNoFrame(typingIn(other, false), 0);
  });

  local.it('sendMessage clears a live indicator with isTyping false, and sends no typing frame otherwise', async () => {
    const { alice, a1, a2, b, roomId } = await scene();
    await a1.ack('typing', { roomId, isTyping: true });
    await b.waitFor(typingIn(roomId, true));
    const sent = await a1.ack('sendMessage', { roomId, clientMessageId: 't1', content: 'done typing' });
    await b.waitFor(messageEvent(roomId, (sent.message as { id: string }).id));
    const stop = await b.waitFor(typingIn(roomId, false));
    expect(stop).toMatchObject({ userId: alice.userId, isTyping: false });
    await a2.waitFor(messageEvent(roomId));

    const again = await a1.ack('sendMessage', { roomId, clientMessageId: 't2', content: 'not typing' });
    await b.waitFor(messageEvent(roomId, (again.message as { id: string }).id));
    await b.expectNoFrame(typingIn(roomId));
    await a1.expectNoFrame(frameOf('typing'), 0);
    await a2.expectNoFrame(frameOf('typing'), 0);
  });

  local.it('getPresence lists the indicator until it expires; nothing is sent at expiry', async () => {
    const { alice, a1, b, roomId } = await scene();
    await a1.ack('typing', { roomId, isTyping: true });
    const start = await b.waitFor(typingIn(roomId, true));
    const presence = await b.ack('getPresence', { roomId });
    expect(presence.typing).toEqual([{ userId: alice.userId, displayName: alice.name, expiresAt: start.expiresAt }]);

    const expiresAt = Date.parse(start.expiresAt as string);
    await sleep(Math.max(0, expiresAt - Date.now() - 700));
    expect(((await b.ack('getPresence', { roomId })).typing as unknown[]).length).toBe(1);
    await sleep(Math.max(0, expiresAt - Date.now() + 250));
    expect((await b.ack('getPresence', { roomId })).typing).toEqual([]);
    await b.expectNoFrame(typingIn(roomId), 0);

    // Expired means not live: a stop sends nothing and the next start is broadcast.
    await a1.ack('typing', { roomId, isTyping: false });
    await b.expectNoFrame(typingIn(roomId));
    await a1.ack('typing', { roomId, isTyping: true });
    await b.waitFor(typingIn(roomId, true));
  });

  local.it('reaches no unsubscribed connection and no non-member; a non-member may not type', async () => {
    const { a1, b, roomId } = await scene();
    const { client: mallory } = await local.connectNew('mallory');
    await b.ack('unsubscribe', { roomId });
    await a1.ack('typing', { roomId, isTyping: true });
    await b.expectNoFrame(typingIn(roomId));
    await mallory.expectNoFrame(typingIn(roomId), 0);
    expect((await mallory.error('typing', { roomId, isTyping: true })).code).toBe('FORBIDDEN');
  });

  local.it('refuses a missing or ill-typed isTyping, naming it', async () => {
    const { a1, roomId } = await scene();
    for (const fields of [
      { roomId },
      { roomId, isTyping: 'yes' },
      { roomId, isTyping: 1 },
      { roomId, isTyping: null },
    ]) {
      const error = await a1.error('typing', fields);
      expect(error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('isTyping') });
    }
  });
});
