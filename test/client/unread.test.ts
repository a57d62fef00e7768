// Unread counts through the SDK against the real local stack: live on two devices of one user, through markRead on
// either, and across a reconnect (the server's counts after hello agree with what the SDK kept).
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../client/src/index.js';
import { record, useLocalStack, waitFor } from './local-stack-fixture.js';

describe('ChatClient unread counts', () => {
  const local = useLocalStack();

  it('stay right on two devices, through markRead on either and a reconnect', async () => {
    const { alice, bob, roomId } = await local.pair();
    const bobLaptop = local.user('bob', {}, bob.userId);
    await bobLaptop.client.connect();
    const laptopChanges = record(bobLaptop.client, 'unreadChanged');
    expect(bob.client.unreadCount(roomId)).toBe(0);
    expect(bobLaptop.client.unreadCount(roomId)).toBe(0);

    for (const text of ['one', 'two', 'three']) await alice.client.sendMessage(roomId, text);
    // Bob's own message is not unread to him, and does not change his count.
    await bob.client.sendMessage(roomId, 'mine');
    for (const device of [bob, bobLaptop]) {
      await waitFor(() => device.client.unreadCount(roomId) === 3, 'three unread on each of bob devices');
    }
    expect(bob.client.unreadTotal).toBe(3);
    await waitFor(() => alice.client.unreadCount(roomId) === 1, "bob's message unread to alice");
    expect(laptopChanges.at(-1)).toEqual({ roomId, unreadCount: 3, unreadTotal: 3 });

    // The phone reads up to the second message: one left, on both devices.
    expect(await bob.client.markRead(roomId, 2)).toBe(1);
    expect(bob.client.unreadCount(roomId)).toBe(1);
    await waitFor(() => bobLaptop.client.unreadCount(roomId) === 1, 'the laptop hears the partial read');

    // The laptop reads everything: the phone goes to 0 from the read event alone.
    expect(await bobLaptop.client.markRead(roomId, 4)).toBe(0);
    await waitFor(() => bob.client.unreadCount(roomId) === 0, 'the phone hears the read');
    expect(bob.client.unreadTotal).toBe(0);

    // Two more while both devices are away (the gateway closed them, and they are not back before the messages are
    // stored, so both come from the server's count: a send caught between its seq and its store is covered by
    // test/unit/chat/unread.test.ts); after the reconnect the server's count and the live one agree.
    expect(local.fixture.connectionsOf(bob.userId)).toHaveLength(2);
    const releases = [bob, bobLaptop].map((device) => device.holdTokens());
    for (const connectionId of local.fixture.connectionsOf(bob.userId)) {
      await local.fixture.deleteConnection(connectionId);
    }
    await alice.client.sendMessage(roomId, 'five');
    await alice.client.sendMessage(roomId, 'six');
    for (const release of releases) release();
    for (const device of [bob, bobLaptop]) {
      await waitFor(() => device.client.state === 'open', 'open again');
      await waitFor(() => device.client.unreadCount(roomId) === 2, 'two unread after the reconnect');
    }
    // The catch-up emitted the two messages the server had counted already: no double count.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bobLaptop.client.unreadCount(roomId)).toBe(2);
    const hello = await bobLaptop.client.request('hello');
    expect(hello.unreadTotal).toBe(2);
    expect(hello.rooms.find((room) => room.roomId === roomId)?.unreadCount).toBe(2);
  });

  it(`show ${LIMITS.unreadCountMax} at most, and rooms joined later start with the server's count`, async () => {
    const { alice, bob, roomId } = await local.pair();
    const messages = LIMITS.unreadCountMax + 2;
    for (let index = 0; index < messages; index++) {
      await alice.client.request('sendMessage', { roomId, clientMessageId: `bulk-${index}`, content: `${index}` });
      // Paced under the per-connection frame rate (25 a second past a burst of 60): on a fast stack, more than 100
      // sends back to back would be refused with RATE_LIMITED.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitFor(() => bob.client.unreadCount(roomId) === LIMITS.unreadCountMax, 'the cap', 20_000);
    const carol = local.user('carol');
    await carol.client.connect();
    await alice.client.addMembers(roomId, [carol.userId]);
    await waitFor(() => carol.client.room(roomId) !== undefined, 'carol hears of the room');
    // Added members start with everything before their arrival read.
    expect(carol.client.unreadCount(roomId)).toBe(0);
    await alice.client.sendMessage(roomId, 'welcome carol');
    await waitFor(() => carol.client.unreadCount(roomId) === 1, 'carol has one unread');
    expect(bob.client.unreadCount(roomId)).toBe(LIMITS.unreadCountMax);
  }, 60_000);
});
