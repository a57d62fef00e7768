// blockUser / unblockUser / listBlocked and what a block does (PROTOCOL.md, "Blocking"): nothing of the blocked user
// reaches any device of the blocker (messages, typing, presence, read markers), history and getPresence hide them,
// and the blocked user cannot open a direct room with the blocker nor add them to rooms.
import { describe, expect, it } from 'vitest';
import type { Message, MessageChange } from '../../../lambdas/protocol/index.js';
import { createChatHarness, type TestConnection } from '../../fakes/chat-harness.js';

/** alice (phone and laptop) blocks bob; carol is in the room with both. */
async function setup(options: { block?: boolean } = {}) {
  const h = createChatHarness();
  const alicePhone = await h.connect('alice', { name: 'Alice' });
  const aliceLaptop = await h.connect('alice', { name: 'Alice' });
  const bob = await h.connect('bob', { name: 'Bob' });
  const carol = await h.connect('carol', { name: 'Carol' });
  const room = await h.createRoom(carol, 'room', ['alice', 'bob']);
  if (options.block !== false) await h.ack(alicePhone, 'blockUser', { userId: 'bob' });
  h.clearFrames();
  let counter = 0;
  const send = async (from: TestConnection, content = 'hi') => {
    counter += 1;
    h.clock.advance(50);
    const ack = await h.ack(from, 'sendMessage', { roomId: room.roomId, clientMessageId: `m${counter}`, content });
    return ack.message as Message;
  };
  return { h, alicePhone, aliceLaptop, bob, carol, roomId: room.roomId, send };
}

describe('blockUser, unblockUser, listBlocked', () => {
  it('acks with the time of the block, the same on a repeat; unblock is idempotent', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    await h.connect('bob');
    const first = await h.ack(alice, 'blockUser', { userId: 'bob' });
    expect(first).toMatchObject({ userId: 'bob', blockedAt: new Date(h.clock.now()).toISOString() });
    h.clock.advance(1_000);
    expect((await h.ack(alice, 'blockUser', { userId: 'bob' })).blockedAt).toBe(first.blockedAt);
    expect(await h.ack(alice, 'unblockUser', { userId: 'bob' })).toMatchObject({ userId: 'bob' });
    expect(await h.ack(alice, 'unblockUser', { userId: 'bob' })).toMatchObject({ userId: 'bob' });
    expect(await h.ack(alice, 'unblockUser', { userId: 'never-seen' })).toMatchObject({ userId: 'never-seen' });
    expect(h.stores.dump().blocks).toEqual([]);
    expect(h.stores.dump().blockedBy).toEqual([]);
  });

  it('refuses blocking yourself and unknown users, naming the field, writing nothing', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    expect(await h.request(alice, 'blockUser', { userId: 'alice' })).toMatchObject({
      type: 'error',
      code: 'BAD_REQUEST',
      message: 'userId: cannot block yourself',
    });
    expect(await h.request(alice, 'blockUser', { userId: 'ghost' })).toMatchObject({
      type: 'error',
      code: 'NOT_FOUND',
      message: expect.stringMatching(/^userId: /),
    });
    expect(await h.request(alice, 'blockUser', {})).toMatchObject({ code: 'BAD_REQUEST', message: /^userId: / });
    expect(await h.request(alice, 'listBlocked', { cursor: 'nonsense' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: /^cursor: /,
    });
    expect(h.stores.dump().blocks).toEqual([]);
  });

  it('caps the blocks of one user at 1,000', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    for (let index = 0; index <= 1_000; index++) {
      await h.stores.profiles.ensureProfile(`u${index}`, `User ${index}`);
      if (index < 1_000) {
        await h.stores.blocks.blockUser({ blockerId: 'alice', blockedId: `u${index}`, blockedAt: 0 }, 1_000);
      }
    }
    expect(await h.request(alice, 'blockUser', { userId: 'u1000' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^userId: .*1000/),
    });
    // A block that exists is still acked.
    expect(await h.ack(alice, 'blockUser', { userId: 'u5' })).toMatchObject({ userId: 'u5' });
    await h.ack(alice, 'unblockUser', { userId: 'u5' });
    await h.ack(alice, 'blockUser', { userId: 'u1000' });
  });

  it('listBlocked pages through every block with the profile and the time', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    for (let index = 0; index < 130; index++) {
      await h.stores.profiles.ensureProfile(`u${index}`, `User ${index}`);
      await h.stores.blocks.blockUser({ blockerId: 'alice', blockedId: `u${index}`, blockedAt: index }, 1_000);
    }
    await h.stores.profiles.updateProfile('u7', { avatarUrl: 'https://example.com/u7.png' });
    const first = await h.ack(alice, 'listBlocked');
    expect(first.blocked).toHaveLength(100);
    expect(typeof first.cursor).toBe('string');
    const second = await h.ack(alice, 'listBlocked', { cursor: first.cursor });
    expect(second.cursor).toBeUndefined();
    const all = [...(first.blocked as object[]), ...(second.blocked as object[])];
    expect(all).toHaveLength(130);
    expect(all).toContainEqual({
      userId: 'u7',
      displayName: 'User 7',
      avatarUrl: 'https://example.com/u7.png',
      blockedAt: new Date(7).toISOString(),
    });
    // Nobody else's list.
    const bob = await h.connect('bob');
    expect((await h.ack(bob, 'listBlocked')).blocked).toEqual([]);
  });
});

describe('what a block hides from every device of the blocker', () => {
  it("the blocked user's messages reach everyone else (their own other devices too), never the blocker", async () => {
    const { h, alicePhone, aliceLaptop, bob, carol, send } = await setup();
    const bobTablet = await h.connect('bob');
    h.clearFrames();
    const message = await send(bob);
    expect(h.eventsOf(alicePhone)).toEqual([]);
    expect(h.eventsOf(aliceLaptop)).toEqual([]);
    expect(h.eventsOf(carol, 'message').map((e) => e.message)).toEqual([message]);
    expect(h.eventsOf(bobTablet, 'message').map((e) => e.message)).toEqual([message]);
    // The other direction is untouched: bob still hears alice.
    const fromAlice = await send(alicePhone);
    expect(h.eventsOf(bob, 'message').map((e) => e.message)).toEqual([fromAlice]);
  });

  it('typing, read markers and presence of the blocked user do not reach the blocker', async () => {
    const { h, alicePhone, aliceLaptop, bob, carol, roomId, send } = await setup();
    await h.ack(bob, 'typing', { roomId, isTyping: true });
    await send(carol);
    await h.ack(bob, 'markRead', { roomId, seq: 1 });
    h.clock.advance(1_000);
    await h.ack(bob, 'typing', { roomId, isTyping: false });
    await h.disconnect(bob);
    await h.connect('bob');
    const aliceEvents = [...h.eventsOf(alicePhone), ...h.eventsOf(aliceLaptop)];
    expect(aliceEvents.filter((e) => 'userId' in e && e.userId === 'bob')).toEqual([]);
    // Carol's message is not bob's: alice hears it.
    expect(h.eventsOf(alicePhone, 'message')).toHaveLength(1);
    expect(h.eventsOf(carol, 'typing').map((e) => e.isTyping)).toEqual([true, false]);
    expect(h.eventsOf(carol, 'read')).toHaveLength(1);
    expect(h.eventsOf(carol, 'presence').map((e) => e.isOnline)).toEqual([false, true]);
  });

  it('with a grace period: the typing ended by the last close and the offline the sweep tells skip the blocker', async () => {
    const h = createChatHarness({ config: { offlineGraceMs: 10_000 } });
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const carol = await h.connect('carol');
    const { roomId } = await h.createRoom(carol, 'room', ['alice', 'bob']);
    await h.ack(alice, 'blockUser', { userId: 'bob' });
    await h.ack(bob, 'typing', { roomId, isTyping: true });
    h.clearFrames();
    await h.disconnect(bob);
    h.clock.advance(10_000);
    expect(await h.chat.sweep()).toMatchObject({ settled: 1, failed: 0 });
    h.clock.advance(1_000);
    await h.chat.sweep();
    expect(h.eventsOf(carol, 'typing').map((e) => e.isTyping)).toEqual([false]);
    expect(h.eventsOf(carol, 'presence').map((e) => e.isOnline)).toEqual([false]);
    expect(h.eventsOf(alice).filter((e) => 'userId' in e && e.userId === 'bob')).toEqual([]);
    // The room's count carries nobody: the blocker hears it like everyone else.
    expect(h.eventsOf(alice, 'occupancy').at(-1)).toMatchObject({ onlineCount: 2 });
    expect(h.eventsOf(carol, 'occupancy').at(-1)).toMatchObject({ onlineCount: 2 });
  });

  it("a message that ends the blocked user's typing sends neither the message nor the stop to the blocker", async () => {
    const { h, alicePhone, bob, carol, roomId, send } = await setup();
    await h.ack(bob, 'typing', { roomId, isTyping: true });
    await send(bob);
    expect(h.eventsOf(alicePhone)).toEqual([]);
    expect(h.eventsOf(carol).map((e) => e.type)).toEqual(['typing', 'message', 'typing']);
  });

  it("leaving a room ends the blocked user's typing for everyone but the blocker; all hear that they left", async () => {
    const { h, alicePhone, bob, carol, roomId } = await setup();
    await h.ack(bob, 'typing', { roomId, isTyping: true });
    await h.ack(bob, 'leaveRoom', { roomId });
    expect(h.eventsOf(carol).map((e) => e.type)).toEqual(['typing', 'typing', 'memberLeft']);
    expect(h.eventsOf(alicePhone).map((e) => e.type)).toEqual(['memberLeft']);
  });

  it('unblocking restores everything from then on', async () => {
    const { h, alicePhone, aliceLaptop, bob, roomId, send } = await setup();
    await send(bob);
    await h.ack(aliceLaptop, 'unblockUser', { userId: 'bob' });
    const after = await send(bob);
    await h.ack(bob, 'typing', { roomId, isTyping: true });
    expect(h.eventsOf(alicePhone, 'message').map((e) => e.message)).toEqual([after]);
    expect(h.eventsOf(aliceLaptop, 'typing')).toHaveLength(1);
    const history = await h.ack(alicePhone, 'getHistory', { roomId });
    expect((history.messages as Message[]).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('when reading who blocked the sender fails, the broadcast is withheld and counted, the send still acked', async () => {
    const { h, alicePhone, bob, carol, send } = await setup();
    h.stores.failNext('blockersOf');
    const message = await send(bob);
    expect(message.seq).toBe(1);
    expect(h.eventsOf(alicePhone)).toEqual([]);
    expect(h.eventsOf(carol)).toEqual([]);
    expect(h.metrics.total('FanOutFailures')).toBe(1);
    expect(h.logger.entries.some((e) => e.level === 'error' && e.message.includes('withheld'))).toBe(true);
  });
});

describe('history, presence and members as the blocker sees them', () => {
  it("getHistory drops the blocked user's messages in every direction; others still see them", async () => {
    const { h, alicePhone, bob, carol, roomId, send } = await setup();
    const senders = [carol, bob, bob, carol, bob, carol];
    for (const sender of senders) await send(sender);
    const seqsOf = (ack: Record<string, unknown>) => (ack.messages as Message[]).map((m) => m.seq);
    expect(seqsOf(await h.ack(alicePhone, 'getHistory', { roomId }))).toEqual([1, 4, 6]);
    expect(seqsOf(await h.ack(alicePhone, 'getHistory', { roomId, after: 1 }))).toEqual([4, 6]);
    expect(seqsOf(await h.ack(alicePhone, 'getHistory', { roomId, before: 6 }))).toEqual([1, 4]);
    expect(seqsOf(await h.ack(carol, 'getHistory', { roomId }))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a page comes back shorter; hiddenSeqs lets the reader page on without losing or repeating', async () => {
    const { h, alicePhone, bob, carol, roomId, send } = await setup();
    // seq 1 carol, 2–4 bob, 5 carol, 6–7 bob
    for (const sender of [carol, bob, bob, bob, carol, bob, bob]) await send(sender);
    const page = (fields: Record<string, unknown>) => h.ack(alicePhone, 'getHistory', { roomId, ...fields });
    const seqs = (ack: Record<string, unknown>) => (ack.messages as Message[]).map((m) => m.seq);

    const forward = await page({ after: 0, limit: 3 });
    expect(forward).toMatchObject({ hasMore: true, hiddenSeqs: [2, 3] });
    expect(seqs(forward)).toEqual([1]);
    const empty = await page({ after: 3, limit: 1 });
    expect(empty).toMatchObject({ messages: [], hasMore: true, hiddenSeqs: [4] });
    const next = await page({ after: 4, limit: 3 });
    expect(next).toMatchObject({ hasMore: false, hiddenSeqs: [6, 7] });
    expect(seqs(next)).toEqual([5]);

    const backward = await page({ limit: 2 });
    expect(backward).toMatchObject({ messages: [], hasMore: true, hiddenSeqs: [6, 7] });
    const older = await page({ before: 6, limit: 3 });
    expect(older).toMatchObject({ hasMore: true, hiddenSeqs: [3, 4] });
    expect(seqs(older)).toEqual([5]);
    // Nothing hidden in the window: no hiddenSeqs at all.
    const plain = await page({ before: 2, limit: 3 });
    expect(plain).toEqual({
      type: 'ack',
      requestId: plain.requestId,
      action: 'getHistory',
      hasMore: false,
      messages: [expect.objectContaining({ seq: 1 })],
      changes: [],
    });
  });

  it('a page cut short to fit a frame lists only the hidden seqs before where it stopped', async () => {
    const { h, alicePhone, bob, carol, roomId, send } = await setup();
    // Each of Carol's messages takes 24,000 bytes on the wire (a control character is escaped to 6): four fit.
    for (let index = 0; index < 5; index++) {
      await send(carol, '\u0001'.repeat(4_000));
      await send(bob);
    }
    const forward = await h.ack(alicePhone, 'getHistory', { roomId, after: 0, limit: 10 });
    expect((forward.messages as Message[]).map((m) => m.seq)).toEqual([1, 3, 5, 7]);
    expect(forward).toMatchObject({ hasMore: true, hiddenSeqs: [2, 4, 6] });
    const backward = await h.ack(alicePhone, 'getHistory', { roomId, limit: 10 });
    expect((backward.messages as Message[]).map((m) => m.seq)).toEqual([3, 5, 7, 9]);
    expect(backward).toMatchObject({ hasMore: true, hiddenSeqs: [4, 6, 8, 10] });
  });

  it('getPresence leaves the blocked user out of online and typing; listMembers lists them without presence', async () => {
    const { h, alicePhone, bob, carol, roomId } = await setup();
    await h.ack(bob, 'typing', { roomId, isTyping: true });
    await h.ack(carol, 'typing', { roomId, isTyping: true });
    const presence = await h.ack(alicePhone, 'getPresence', { roomId });
    expect((presence.online as { userId: string }[]).map((u) => u.userId).sort()).toEqual(['alice', 'carol']);
    expect((presence.typing as { userId: string }[]).map((u) => u.userId)).toEqual(['carol']);
    const seenByCarol = await h.ack(carol, 'getPresence', { roomId });
    expect((seenByCarol.online as { userId: string }[]).map((u) => u.userId).sort()).toEqual(['alice', 'bob', 'carol']);

    const members = (await h.ack(alicePhone, 'listMembers', { roomId })).members as Record<string, unknown>[];
    expect(members.find((m) => m.userId === 'bob')).toEqual({ userId: 'bob', displayName: 'Bob' });
    expect(members.find((m) => m.userId === 'carol')).toMatchObject({ isOnline: true });
  });
});

describe('what a blocked user cannot do to the blocker', () => {
  it('openDirect with the blocker is BLOCKED (even when the room exists); the blocker may still open it', async () => {
    const { h, alicePhone, bob } = await setup({ block: false });
    await h.ack(bob, 'openDirect', { userId: 'alice' });
    await h.ack(alicePhone, 'blockUser', { userId: 'bob' });
    const before = h.stores.dump();
    expect(await h.request(bob, 'openDirect', { userId: 'alice' })).toMatchObject({
      type: 'error',
      code: 'BLOCKED',
      message: 'userId: "alice" has blocked you',
    });
    expect(h.stores.dump()).toEqual(before);
    expect((await h.ack(alicePhone, 'openDirect', { userId: 'bob' })).room).toMatchObject({ kind: 'direct' });
  });

  it('createRoom and addMembers naming the blocker are BLOCKED, all or nothing', async () => {
    const { h, alicePhone, bob, carol } = await setup();
    const before = h.stores.dump();
    expect(await h.request(bob, 'createRoom', { name: 'trap', memberIds: ['carol', 'alice'] })).toMatchObject({
      code: 'BLOCKED',
      message: 'memberIds: "alice" has blocked you',
    });
    const own = await h.createRoom(bob, 'own', ['carol']);
    const afterCreate = h.stores.dump();
    expect(afterCreate.rooms).toHaveLength(before.rooms.length + 1);
    expect(await h.request(bob, 'addMembers', { roomId: own.roomId, userIds: ['alice'] })).toMatchObject({
      code: 'BLOCKED',
      message: 'userIds: "alice" has blocked you',
    });
    expect(h.stores.dump().members).toEqual(afterCreate.members);
    // Others may still add the blocker, and the blocker may add the blocked user.
    await h.ack(carol, 'addMembers', { roomId: own.roomId, userIds: ['alice'] });
    const aliceRoom = await h.createRoom(alicePhone, 'alice', ['bob']);
    expect(aliceRoom.kind).toBe('group');
  });
});

describe('changes to messages by a blocked user', () => {
  it('are not broadcast to the blocker, and getHistory leaves them out, naming their seqs', async () => {
    const { h, alicePhone, aliceLaptop, bob, carol, roomId, send } = await setup();
    await send(carol); // 1
    const own = await send(bob); // 2, hidden from alice
    h.clearFrames();
    await h.ack(bob, 'react', { roomId, seq: 1, emoji: '👍', on: true }); // 3
    await h.ack(bob, 'editMessage', { roomId, seq: own.seq, content: 'edited' }); // 4
    await h.ack(bob, 'deleteMessage', { roomId, seq: own.seq }); // 5
    await h.ack(carol, 'react', { roomId, seq: 1, emoji: '🎉', on: true }); // 6

    const changeSeqs = (connection: typeof bob) => h.eventsOf(connection, 'change').map((event) => event.change.seq);
    expect(changeSeqs(alicePhone)).toEqual([6]);
    expect(changeSeqs(aliceLaptop)).toEqual([6]);
    expect(changeSeqs(carol)).toEqual([3, 4, 5]);

    const page = await h.ack(alicePhone, 'getHistory', { roomId, after: 0 });
    expect((page.messages as Message[]).map((m) => m.seq)).toEqual([1]);
    expect((page.changes as MessageChange[]).map((c) => c.seq)).toEqual([6]);
    expect(page).toMatchObject({ hasMore: false, hiddenSeqs: [2, 3, 4, 5] });
    const unfiltered = await h.ack(carol, 'getHistory', { roomId, after: 0 });
    expect((unfiltered.changes as MessageChange[]).map((c) => c.seq)).toEqual([3, 4, 5, 6]);
    expect(unfiltered).not.toHaveProperty('hiddenSeqs');
  });
});
