// PROTOCOL.md "Subscriptions": which connections hear a room's events.
import { describe, expect } from 'vitest';
import type { Room } from '../../lambdas/protocol/index.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import type { TestClient } from './support/test-client.js';
import { anyEventFor, frameOf, messageEvent } from './support/wire.js';

const local = useLocalStack();

let counter = 0;
async function send(client: TestClient, roomId: string, content = 'hello'): Promise<string> {
  counter += 1;
  const ack = await client.ack('sendMessage', { roomId, clientMessageId: `sub-${counter}`, content });
  return (ack.message as { id: string }).id;
}

describe('subscriptions', () => {
  local.it('a connection is subscribed to all its rooms when it opens', async () => {
    const { client: a } = await local.connectNew('alice');
    const bob = (await local.registered('bob'))[0]!;
    const roomOne = await local.createRoom(a, [bob]);
    const roomTwo = await local.createRoom(a, [bob]);
    const b = await local.connect(bob);
    for (const room of [roomOne, roomTwo]) {
      const id = await send(a, room.roomId);
      await b.waitFor(messageEvent(room.roomId, id));
    }
  });

  local.it('unsubscribe stops the events of that room for that connection only; subscribe restarts them', async () => {
    const { client: a } = await local.connectNew('alice');
    const {
      user: bob,
      clients: [b1, b2],
    } = await local.devices('bob');
    const room = await local.createRoom(a, [bob]);
    const other = await local.createRoom(a, [bob]);

    const unsubscribed = await b1.ack('unsubscribe', { roomId: room.roomId });
    expect(unsubscribed.roomId).toBe(room.roomId);
    expect(Object.keys(unsubscribed).sort()).toEqual(['action', 'requestId', 'roomId', 'type']);

    const quiet = await send(a, room.roomId);
    await a.ack('typing', { roomId: room.roomId, isTyping: true });
    await b2.waitFor(messageEvent(room.roomId, quiet));
    await b2.waitFor(frameOf('typing', { roomId: room.roomId }));
    await b1.expectNoFrame(anyEventFor(room.roomId));
    // Other rooms still reach it.
    const elsewhere = await send(a, other.roomId);
    await b1.waitFor(messageEvent(other.roomId, elsewhere));

    const subscribed = await b1.ack('subscribe', { roomId: room.roomId });
    expect(subscribed.roomId).toBe(room.roomId);
    expect(Object.keys(subscribed).sort()).toEqual(['action', 'requestId', 'roomId', 'type']);
    const heard = await send(a, room.roomId);
    await b1.waitFor(messageEvent(room.roomId, heard));
    await b2.waitFor(messageEvent(room.roomId, heard));
  });

  local.it('subscribing twice, or unsubscribing twice, does no harm', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    await b.ack('subscribe', { roomId: room.roomId });
    await b.ack('subscribe', { roomId: room.roomId });
    const once = await send(a, room.roomId);
    await b.waitFor(messageEvent(room.roomId, once));
    await b.expectNoFrame(messageEvent(room.roomId, once));
    await b.ack('unsubscribe', { roomId: room.roomId });
    await b.ack('unsubscribe', { roomId: room.roomId });
    await send(a, room.roomId);
    await b.expectNoFrame(messageEvent(room.roomId));
  });

  local.it('a non-member gets FORBIDDEN and no subscription, whether or not the room exists', async () => {
    const { client: a } = await local.connectNew('alice');
    const { client: mallory } = await local.connectNew('mallory');
    const room = await local.createRoom(a);
    const existing = await mallory.error('subscribe', { roomId: room.roomId });
    const missing = await mallory.error('subscribe', { roomId: `no-such-room-${Date.now()}` });
    expect(existing.code).toBe('FORBIDDEN');
    expect(missing.code).toBe('FORBIDDEN');
    expect(existing.message).toBe(missing.message);
    expect((await mallory.error('unsubscribe', { roomId: room.roomId })).code).toBe('FORBIDDEN');

    await send(a, room.roomId);
    await a.ack('typing', { roomId: room.roomId, isTyping: true });
    await mallory.expectNoFrame(anyEventFor(room.roomId));
  });

  local.it('users added to a room are subscribed at once on every open connection', async () => {
    const { client: a } = await local.connectNew('alice');
    const {
      user: carol,
      clients: [c1, c2],
    } = await local.devices('carol');
    const { user: dave, client: d } = await local.connectNew('dave');

    const created = await local.createRoom(a, [carol]);
    const inCreated = await send(a, created.roomId);
    await c1.waitFor(messageEvent(created.roomId, inCreated));
    await c2.waitFor(messageEvent(created.roomId, inCreated));

    const grown = await local.createRoom(a);
    await a.ack('addMembers', { roomId: grown.roomId, userIds: [carol.userId, dave.userId] });
    const inGrown = await send(a, grown.roomId);
    for (const client of [c1, c2, d]) await client.waitFor(messageEvent(grown.roomId, inGrown));

    const direct = (await a.ack('openDirect', { userId: dave.userId })).room as Room;
    const inDirect = await send(a, direct.roomId);
    await d.waitFor(messageEvent(direct.roomId, inDirect));
  });

  local.it('leaving a room unsubscribes every connection of the leaver', async () => {
    const { client: a } = await local.connectNew('alice');
    const {
      user: bob,
      clients: [b1, b2],
    } = await local.devices('bob');
    const room = await local.createRoom(a, [bob]);
    await b1.ack('leaveRoom', { roomId: room.roomId });
    await b2.waitFor(frameOf('memberLeft', { roomId: room.roomId }));
    await send(a, room.roomId);
    await a.ack('typing', { roomId: room.roomId, isTyping: true });
    await b1.expectNoFrame(anyEventFor(room.roomId));
    await b2.expectNoFrame(anyEventFor(room.roomId), 0);
    // And it cannot subscribe again.
    expect((await b2.error('subscribe', { roomId: room.roomId })).code).toBe('FORBIDDEN');
  });

  local.it('a connection opened after leaving is not subscribed either', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    await b.ack('leaveRoom', { roomId: room.roomId });
    const later = await local.connect(bob, { label: 'b-later' });
    await later.ack('ping');
    await send(a, room.roomId);
    await later.expectNoFrame(anyEventFor(room.roomId));
  });
});
