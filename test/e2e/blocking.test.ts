// PROTOCOL.md "Blocking", through the local stack with real clients: after blockUser, nothing the blocked user does
// (messages, typing, presence, read markers) reaches any device of the blocker, history and getPresence hide them,
// openDirect / addMembers / createRoom naming the blocker are BLOCKED, and unblockUser restores everything.
import { describe, expect } from 'vitest';
import { useLocalStack } from './support/local-stack-fixture.js';
import type { Frame, TestClient } from './support/test-client.js';
import { expectAckFields, expectIsoTime, frameOf, messageEvent } from './support/wire.js';

const local = useLocalStack();

/** Alice on two devices, Bob and Carol on one each, all in one room Carol made; Alice blocks Bob. */
async function scene(options: { block?: boolean } = {}) {
  const {
    user: alice,
    clients: [a1, a2],
  } = await local.devices('alice');
  const { user: bob, client: b } = await local.connectNew('bob');
  const { user: carol, client: c } = await local.connectNew('carol');
  const room = await local.createRoom(c, [alice, bob]);
  for (const client of [a1!, a2!, b]) await client.waitFor(frameOf('roomJoined'));
  if (options.block !== false) await a1!.ack('blockUser', { userId: bob.userId });
  let counter = 0;
  const send = async (from: TestClient, content = 'hello') => {
    counter += 1;
    const ack = await from.ack('sendMessage', { roomId: room.roomId, clientMessageId: `m${counter}`, content });
    return ack.message as { id: string; seq: number };
  };
  return { alice, a1: a1!, a2: a2!, bob, b, carol, c, roomId: room.roomId, send };
}

const fromUser = (userId: string) => (frame: Frame) =>
  frame.userId === userId || (frame.message as { senderId?: unknown } | undefined)?.senderId === userId;

describe('blocking', () => {
  local.it('blockUser answers the time of the block; listBlocked shows it; unblockUser is idempotent', async () => {
    const { a1, a2, bob } = await scene({ block: false });
    const before = Date.now();
    const ack = await a1.ack('blockUser', { userId: bob.userId });
    expectAckFields(ack, ['userId', 'blockedAt']);
    expectIsoTime(ack.blockedAt, before);
    const list = await a2.ack('listBlocked');
    expectAckFields(list, ['blocked'], ['cursor']);
    expect(list.blocked).toEqual([{ userId: bob.userId, displayName: bob.name, blockedAt: ack.blockedAt }]);
    expect(await a2.ack('unblockUser', { userId: bob.userId })).toMatchObject({ userId: bob.userId });
    expect(await a1.ack('unblockUser', { userId: bob.userId })).toMatchObject({ userId: bob.userId });
    expect((await a1.ack('listBlocked')).blocked).toEqual([]);
  });

  local.it("the blocked user's messages, typing and read markers reach no device of the blocker", async () => {
    const { a1, a2, bob, b, c, roomId, send } = await scene();
    const message = await send(b);
    await c.waitFor(messageEvent(roomId, message.id));
    await b.ack('typing', { roomId, isTyping: true });
    await c.waitFor(frameOf('typing', { userId: bob.userId, isTyping: true }));
    await b.ack('markRead', { roomId, seq: message.seq });
    await c.waitFor(frameOf('read', { userId: bob.userId }));
    await a1.expectNoFrame(fromUser(bob.userId));
    await a2.expectNoFrame(fromUser(bob.userId), 0);
    // The blocked user still hears the blocker.
    const fromAlice = await send(a1);
    await b.waitFor(messageEvent(roomId, fromAlice.id));
  });

  local.it('the blocked user going offline and online again is not told to the blocker', async () => {
    const { a1, a2, bob, b, c } = await scene();
    await b.close();
    await c.waitFor(frameOf('presence', { userId: bob.userId, isOnline: false }));
    await local.connect(bob);
    await c.waitFor(frameOf('presence', { userId: bob.userId, isOnline: true }));
    await a1.expectNoFrame(frameOf('presence'));
    await a2.expectNoFrame(frameOf('presence'), 0);
  });

  local.it('history, getPresence and listMembers hide the blocked user from the blocker', async () => {
    const { a2, bob, b, c, roomId, send } = await scene();
    await send(c);
    await send(b);
    await send(b);
    await b.ack('typing', { roomId, isTyping: true });
    const history = await a2.ack('getHistory', { roomId });
    expect((history.messages as { seq: number }[]).map((m) => m.seq)).toEqual([1]);
    expect(history).toMatchObject({ hasMore: false });
    const catchUp = await a2.ack('getHistory', { roomId, after: 1 });
    expect(catchUp).toMatchObject({ messages: [], hasMore: false, hiddenSeqs: [2, 3] });
    expect(((await c.ack('getHistory', { roomId })).messages as unknown[]).length).toBe(3);

    const presence = await a2.ack('getPresence', { roomId });
    expect((presence.online as { userId: string }[]).some((u) => u.userId === bob.userId)).toBe(false);
    expect(presence.typing).toEqual([]);
    const members = (await a2.ack('listMembers', { roomId })).members as Record<string, unknown>[];
    expect(members.find((m) => m.userId === bob.userId)).toEqual({ userId: bob.userId, displayName: bob.name });
  });

  local.it('the blocked user cannot open a direct room with the blocker nor add them to a room', async () => {
    const { alice, a1, bob, b, carol } = await scene();
    expect(await b.error('openDirect', { userId: alice.userId })).toMatchObject({
      code: 'BLOCKED',
      message: `userId: ${JSON.stringify(alice.userId)} has blocked you`,
    });
    expect(await b.error('createRoom', { name: 'x', memberIds: [carol.userId, alice.userId] })).toMatchObject({
      code: 'BLOCKED',
      message: expect.stringMatching(/^memberIds: /),
    });
    const own = (await b.ack('createRoom', { name: 'own' })).room as { roomId: string };
    expect(await b.error('addMembers', { roomId: own.roomId, userIds: [alice.userId] })).toMatchObject({
      code: 'BLOCKED',
      message: expect.stringMatching(/^userIds: /),
    });
    await a1.expectNoFrame(frameOf('roomJoined'));
    // The blocker can still open one with the blocked user.
    expect((await a1.ack('openDirect', { userId: bob.userId })).room).toMatchObject({ kind: 'direct' });
  });

  local.it('bad input names the field', async () => {
    const { alice, a1 } = await scene({ block: false });
    expect(await a1.error('blockUser', { userId: alice.userId })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'userId: cannot block yourself',
    });
    expect(await a1.error('blockUser', { userId: 7 })).toMatchObject({ code: 'BAD_REQUEST', message: /^userId: / });
    expect(await a1.error('unblockUser', {})).toMatchObject({ code: 'BAD_REQUEST', message: /^userId: / });
    expect(await a1.error('listBlocked', { cursor: '!' })).toMatchObject({ code: 'BAD_REQUEST', message: /^cursor: / });
    expect(await a1.error('blockUser', { userId: 'nobody-ever' })).toMatchObject({ code: 'NOT_FOUND' });
  });

  local.it('unblocking restores messages, typing and history on every device', async () => {
    const { alice, a1, a2, bob, b, roomId, send } = await scene();
    await send(b);
    await a2.ack('unblockUser', { userId: bob.userId });
    const after = await send(b);
    await a1.waitFor(messageEvent(roomId, after.id));
    await a2.waitFor(messageEvent(roomId, after.id));
    await b.ack('typing', { roomId, isTyping: true });
    await a1.waitFor(frameOf('typing', { userId: bob.userId }));
    const history = await a1.ack('getHistory', { roomId });
    expect((history.messages as { seq: number }[]).map((m) => m.seq)).toEqual([1, 2]);
    expect((await b.ack('openDirect', { userId: alice.userId })).room).toMatchObject({ kind: 'direct' });
  });
});
