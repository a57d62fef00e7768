// PROTOCOL.md "Watch mode" in the chat logic, on the in-memory stores: what a watch connection's connect and close
// touch (whatever the number of rooms), the bound on the rooms it hears, nothing half-written, and the races the
// per-room presence must survive (room-presence.ts).
import { describe, expect, it } from 'vitest';
import { WATCHED_ROOMS_MAX } from '../../../lambdas/chat/ports/connections.js';
import { createChatHarness, type ChatHarness, type TestConnection } from '../../fakes/chat-harness.js';

/** Bob in `count` rooms created by Alice (who stays connected), then Bob's connections closed. */
async function bobInRooms(count: number, config: { offlineGraceMs?: number } = {}) {
  const h = createChatHarness({ config });
  const alice = await h.connect('alice');
  const bob = await h.connect('bob');
  const roomIds: string[] = [];
  for (let i = 0; i < count; i += 1) {
    roomIds.push((await h.createRoom(alice, `r${i}`, ['bob'])).roomId);
    h.clock.advance(100); // stay within the rate limit
  }
  await h.disconnect(bob);
  h.clock.advance(60_000);
  h.clearFrames();
  return { h, alice, roomIds };
}

const subscriptionsOf = (h: ChatHarness, connection: TestConnection) =>
  h.stores.dump().subscriptions.filter((s) => s.connectionId === connection.connectionId);

const presenceFrom = (h: ChatHarness, to: TestConnection, userId: string) =>
  h.eventsOf(to, 'presence').filter((event) => event.userId === userId);

describe('watch mode: connect and close', () => {
  it('a watch connect and close write no subscription and read no membership, however many rooms', async () => {
    for (const count of [1, 30]) {
      const { h, alice } = await bobInRooms(count);
      const [memberships, puts] = [h.stores.callsOf('listMemberships'), h.stores.callsOf('putSubscriptions')];
      const bob = await h.connect('bob', { watch: true });
      expect(subscriptionsOf(h, bob)).toEqual([]);
      expect(h.stores.dump().connections.find((c) => c.connectionId === bob.connectionId)).toMatchObject({
        watch: true,
      });
      await h.disconnect(bob);
      expect(h.stores.callsOf('listMemberships') - memberships).toBe(0);
      expect(h.stores.callsOf('putSubscriptions') - puts).toBe(0);
      // Nobody heard anything: he was in no room.
      expect(presenceFrom(h, alice, 'bob')).toEqual([]);
    }
  });

  it('a close removes the subscriptions of the rooms it heard, and the offline goes to those rooms only', async () => {
    const { h, alice, roomIds } = await bobInRooms(3);
    const bob = await h.connect('bob', { watch: true });
    await h.ack(bob, 'subscribe', { roomId: roomIds[0] });
    await h.ack(bob, 'subscribe', { roomId: roomIds[2] });
    expect(presenceFrom(h, alice, 'bob').map((e) => [e.roomId, e.isOnline])).toEqual([
      [roomIds[0], true],
      [roomIds[2], true],
    ]);
    h.clearFrames();
    await h.disconnect(bob);
    expect(subscriptionsOf(h, bob)).toEqual([]);
    const offline = presenceFrom(h, alice, 'bob').filter((e) => !e.isOnline);
    expect(offline.map((e) => e.roomId).sort()).toEqual([roomIds[0], roomIds[2]].sort());
    expect(presenceFrom(h, alice, 'bob')).toHaveLength(2);
    expect(await h.stores.presence.getPresence('bob')).toMatchObject({ online: false });
  });

  it('a plain connection of a watch-only user puts them online in every room, telling only the rooms not told', async () => {
    const { h, alice, roomIds } = await bobInRooms(3);
    const phone = await h.connect('bob', { watch: true });
    await h.ack(phone, 'subscribe', { roomId: roomIds[1] });
    h.clearFrames();
    const desktop = await h.connect('bob');
    expect(
      presenceFrom(h, alice, 'bob')
        .map((e) => e.roomId)
        .sort(),
    ).toEqual([roomIds[0], roomIds[2]].sort());
    // Offline at the last close, in every room (the plain connection had him in all).
    await h.disconnect(desktop);
    await h.disconnect(phone);
    expect(
      presenceFrom(h, alice, 'bob')
        .filter((e) => !e.isOnline)
        .map((e) => e.roomId)
        .sort(),
    ).toEqual([...roomIds].sort());
  });
});

describe('watch mode: subscribe and unsubscribe', () => {
  it(`hears at most ${WATCHED_ROOMS_MAX} rooms at once: the next is BAD_REQUEST naming roomId, nothing written`, async () => {
    const { h, roomIds } = await bobInRooms(WATCHED_ROOMS_MAX + 1);
    const bob = await h.connect('bob', { watch: true });
    for (const roomId of roomIds.slice(0, WATCHED_ROOMS_MAX)) {
      await h.ack(bob, 'subscribe', { roomId });
      h.clock.advance(100);
    }
    const last = roomIds[WATCHED_ROOMS_MAX]!;
    const refused = await h.request(bob, 'subscribe', { roomId: last });
    expect(refused).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    expect(refused.type === 'error' && refused.message).toMatch(/^roomId: /);
    expect(subscriptionsOf(h, bob).map((s) => s.roomId)).not.toContain(last);
    // A room already heard does not count twice; one given up frees a place.
    await h.ack(bob, 'subscribe', { roomId: roomIds[0] });
    await h.ack(bob, 'unsubscribe', { roomId: roomIds[0] });
    await h.ack(bob, 'subscribe', { roomId: last });
    expect(subscriptionsOf(h, bob)).toHaveLength(WATCHED_ROOMS_MAX);
  });

  it('a failed subscribe leaves nothing behind: the room is off the connection again', async () => {
    const { h, roomIds } = await bobInRooms(1);
    const bob = await h.connect('bob', { watch: true });
    h.stores.failNext('putSubscriptions');
    expect(await h.request(bob, 'subscribe', { roomId: roomIds[0] })).toMatchObject({ code: 'INTERNAL' });
    const connection = h.stores.dump().connections.find((c) => c.connectionId === bob.connectionId);
    expect(connection?.watching).toBeUndefined();
    expect(subscriptionsOf(h, bob)).toEqual([]);
  });

  it('a connection that hears every room keeps a muted item on unsubscribe, and its user stays online there', async () => {
    const { h, alice, roomIds } = await bobInRooms(1);
    const bob = await h.connect('bob');
    h.clearFrames();
    await h.ack(bob, 'unsubscribe', { roomId: roomIds[0] });
    expect(subscriptionsOf(h, bob)).toMatchObject([{ roomId: roomIds[0], muted: true }]);
    expect(presenceFrom(h, alice, 'bob')).toEqual([]);
    await h.ack(bob, 'subscribe', { roomId: roomIds[0] });
    expect(subscriptionsOf(h, bob)).toMatchObject([{ roomId: roomIds[0], muted: false }]);
  });

  it('an unsubscribe racing a subscribe of another device leaves the user online, whatever the order', async () => {
    const { h, alice, roomIds } = await bobInRooms(1);
    const roomId = roomIds[0]!;
    const [phone, tablet] = [await h.connect('bob', { watch: true }), await h.connect('bob', { watch: true })];
    await h.ack(phone, 'subscribe', { roomId });
    h.clearFrames();
    // The phone's unsubscribe listed Bob's connections before the tablet's subscribe was recorded, and clears the
    // mark just after the tablet found it still set (and said nothing).
    let tabletAck: Promise<unknown> | undefined;
    h.stores.interceptNext('markOnlineIn', async () => {
      tabletAck = h.ack(tablet, 'subscribe', { roomId });
      await tabletAck;
    });
    await h.ack(phone, 'unsubscribe', { roomId });
    await tabletAck;
    // The room heard him leave and come back, and ends with him online.
    expect(presenceFrom(h, alice, 'bob').map((e) => e.isOnline)).toEqual([false, true]);
    const presence = await h.ack(alice, 'getPresence', { roomId });
    expect(presence.onlineCount).toBe(2);
  });

  it('joining a room does not count a watch-only user online there until they subscribe', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob', { watch: true });
    const room = await h.createRoom(alice, 'r', ['bob']);
    expect((await h.ack(alice, 'getPresence', { roomId: room.roomId })).onlineCount).toBe(1);
    await h.ack(bob, 'subscribe', { roomId: room.roomId });
    expect((await h.ack(alice, 'getPresence', { roomId: room.roomId })).onlineCount).toBe(2);
    await h.ack(bob, 'leaveRoom', { roomId: room.roomId });
    expect((await h.ack(alice, 'getPresence', { roomId: room.roomId })).onlineCount).toBe(1);
    expect(h.stores.dump().connections.find((c) => c.connectionId === bob.connectionId)?.watching).toBeUndefined();
  });
});
