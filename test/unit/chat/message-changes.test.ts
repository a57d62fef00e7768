// editMessage, deleteMessage, react and sendMessage's replyTo: PROTOCOL.md "Changes to messages".
import { describe, expect, it } from 'vitest';
import type { ChangeEvent, Message, MessageChange } from '../../../lambdas/protocol/index.js';
import { createChatHarness, type ChatHarness, type TestConnection } from '../../fakes/chat-harness.js';

async function roomWithMessage(): Promise<{
  h: ChatHarness;
  alicePhone: TestConnection;
  aliceLaptop: TestConnection;
  bob: TestConnection;
  carol: TestConnection;
  roomId: string;
  message: Message;
}> {
  const h = createChatHarness();
  const alicePhone = await h.connect('alice', { name: 'Alice' });
  const aliceLaptop = await h.connect('alice', { name: 'Alice' });
  const bob = await h.connect('bob', { name: 'Bob' });
  const carol = await h.connect('carol', { name: 'Carol' });
  const room = await h.createRoom(carol, 'trio', ['alice', 'bob']);
  const sent = await h.ack(alicePhone, 'sendMessage', { roomId: room.roomId, clientMessageId: 'm1', content: 'hello' });
  h.clearFrames();
  return { h, alicePhone, aliceLaptop, bob, carol, roomId: room.roomId, message: sent.message as Message };
}

const lastSeqOf = (h: ChatHarness, roomId: string) => h.stores.dump().rooms.find((r) => r.roomId === roomId)!.lastSeq;

describe('editMessage', () => {
  it('stores the edit under its own seq, updates the message, and broadcasts the change to everyone else', async () => {
    const { h, alicePhone, aliceLaptop, bob, carol, roomId, message } = await roomWithMessage();
    h.clock.advance(1_000);
    const ack = await h.ack(alicePhone, 'editMessage', { roomId, seq: message.seq, content: 'hello, edited' });
    const editedAt = new Date(h.clock.now()).toISOString();
    const change: MessageChange = {
      roomId,
      seq: 2,
      changeOf: 1,
      kind: 'edit',
      userId: 'alice',
      createdAt: editedAt,
      content: 'hello, edited',
    };
    expect(ack.change).toEqual(change);
    expect(ack.message).toEqual({ ...message, content: 'hello, edited', editedAt });
    const event: ChangeEvent = { type: 'change', roomId, change };
    for (const other of [aliceLaptop, bob, carol]) expect(h.eventsOf(other)).toEqual([event]);
    expect(h.eventsOf(alicePhone)).toEqual([]);
    expect(h.stores.dump().changes).toEqual([change]);
    expect(h.stores.dump().messages).toEqual([{ ...message, content: 'hello, edited', editedAt }]);
    expect(lastSeqOf(h, roomId)).toBe(2);
  });

  it('changes nothing when the content is already that (a retried edit): no seq, no broadcast', async () => {
    const { h, alicePhone, bob, roomId, message } = await roomWithMessage();
    await h.ack(alicePhone, 'editMessage', { roomId, seq: 1, content: 'v2' });
    h.clearFrames();
    const retry = await h.ack(alicePhone, 'editMessage', { roomId, seq: 1, content: 'v2' });
    expect(retry.change).toBeUndefined();
    expect(retry.message).toMatchObject({ ...message, content: 'v2' });
    expect(h.eventsOf(bob)).toEqual([]);
    expect(lastSeqOf(h, roomId)).toBe(2);
  });

  it('lets only the sender edit, members only, existing messages only, within the content limit', async () => {
    const { h, alicePhone, bob, carol, roomId } = await roomWithMessage();
    const stranger = await h.connect('mallory');
    expect(await h.request(bob, 'editMessage', { roomId, seq: 1, content: 'x' })).toMatchObject({
      code: 'FORBIDDEN',
      message: 'seq: only its sender can edit a message',
    });
    // The room's creator moderates deletions, not content.
    expect(await h.request(carol, 'editMessage', { roomId, seq: 1, content: 'x' })).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await h.request(stranger, 'editMessage', { roomId, seq: 1, content: 'x' })).toMatchObject({
      code: 'FORBIDDEN',
      message: 'not a member of this room',
    });
    expect(await h.request(alicePhone, 'editMessage', { roomId, seq: 9, content: 'x' })).toMatchObject({
      code: 'NOT_FOUND',
      message: 'seq: no message 9 in this room',
    });
    expect(await h.request(alicePhone, 'editMessage', { roomId, seq: 1, content: 'x'.repeat(4_001) })).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(await h.request(alicePhone, 'editMessage', { roomId, seq: 1, content: '' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^content:/),
    });
    // A change is no message: it cannot be edited.
    await h.ack(alicePhone, 'editMessage', { roomId, seq: 1, content: 'v2' });
    expect(await h.request(alicePhone, 'editMessage', { roomId, seq: 2, content: 'x' })).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(lastSeqOf(h, roomId)).toBe(2);
  });
});

describe('deleteMessage', () => {
  it('removes the content of the message, its claim and its edits; broadcasts one delete', async () => {
    const { h, alicePhone, bob, roomId, message } = await roomWithMessage();
    await h.ack(alicePhone, 'editMessage', { roomId, seq: 1, content: 'secret v2' });
    h.clearFrames();
    const ack = await h.ack(alicePhone, 'deleteMessage', { roomId, seq: 1 });
    expect(ack.change).toMatchObject({ seq: 3, changeOf: 1, kind: 'delete', userId: 'alice' });
    expect(ack.message).toMatchObject({ seq: 1, deleted: true, content: '' });
    expect(h.eventsOf(bob)).toEqual([{ type: 'change', roomId, change: ack.change }]);
    const dump = h.stores.dump();
    expect(JSON.stringify(dump)).not.toMatch(/hello|secret/);
    expect(dump.changes.map((change) => change.kind)).toEqual(['edit', 'delete']);
    // A retried send of the deleted message gets it as it is now, and nothing is broadcast.
    h.clearFrames();
    const resend = await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: 'm1', content: 'hello' });
    expect(resend.message).toMatchObject({ id: message.id, seq: 1, deleted: true, content: '' });
    expect(h.eventsOf(bob)).toEqual([]);
  });

  it('is idempotent: a repeated delete is acked and changes nothing', async () => {
    const { h, alicePhone, bob, roomId } = await roomWithMessage();
    await h.ack(alicePhone, 'deleteMessage', { roomId, seq: 1 });
    h.clearFrames();
    const again = await h.ack(alicePhone, 'deleteMessage', { roomId, seq: 1 });
    expect(again.change).toBeUndefined();
    expect(again.message).toMatchObject({ deleted: true, content: '' });
    expect(h.eventsOf(bob)).toEqual([]);
    expect(lastSeqOf(h, roomId)).toBe(2);
    expect(await h.request(alicePhone, 'editMessage', { roomId, seq: 1, content: 'back' })).toMatchObject({
      code: 'NOT_FOUND',
      message: 'seq: message 1 was deleted',
    });
    expect(await h.request(bob, 'react', { roomId, seq: 1, emoji: '👍', on: true })).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it("lets a group room's creator delete any message, and nobody else delete another's", async () => {
    const { h, bob, carol, roomId } = await roomWithMessage();
    expect(await h.request(bob, 'deleteMessage', { roomId, seq: 1 })).toMatchObject({
      code: 'FORBIDDEN',
      message: 'seq: only its sender (or the creator of a group room) can delete a message',
    });
    const ack = await h.ack(carol, 'deleteMessage', { roomId, seq: 1 });
    expect(ack.change).toMatchObject({ kind: 'delete', userId: 'carol' });
  });

  it("gives no such role in a direct room: whoever opened it cannot delete the other's messages", async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const room = (await h.ack(alice, 'openDirect', { userId: 'bob' })).room as { roomId: string };
    await h.ack(bob, 'sendMessage', { roomId: room.roomId, clientMessageId: 'b1', content: 'mine' });
    expect(await h.request(alice, 'deleteMessage', { roomId: room.roomId, seq: 1 })).toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});

describe('react', () => {
  it('counts one reaction per user and emoji; a repeat changes nothing; each viewer sees reactedByMe', async () => {
    const { h, alicePhone, bob, carol, roomId, message } = await roomWithMessage();
    const first = await h.ack(bob, 'react', { roomId, seq: 1, emoji: '👍', on: true });
    expect(first.change).toMatchObject({
      seq: 2,
      changeOf: 1,
      kind: 'reaction',
      userId: 'bob',
      emoji: '👍',
      on: true,
      reactions: [{ emoji: '👍', count: 1 }],
      reactionsVersion: 1,
    });
    expect(first.message).toEqual({
      ...message,
      reactions: [{ emoji: '👍', count: 1, reactedByMe: true }],
      reactionsVersion: 1,
    });
    expect(h.eventsOf(alicePhone)).toEqual([{ type: 'change', roomId, change: first.change }]);
    h.clearFrames();
    const repeat = await h.ack(bob, 'react', { roomId, seq: 1, emoji: '👍', on: true });
    expect(repeat.change).toBeUndefined();
    expect(h.eventsOf(alicePhone)).toEqual([]);
    await h.ack(carol, 'react', { roomId, seq: 1, emoji: '👍', on: true });
    await h.ack(carol, 'react', { roomId, seq: 1, emoji: '🎉', on: true });
    const off = await h.ack(carol, 'react', { roomId, seq: 1, emoji: '🎉', on: false });
    expect(off.change).toMatchObject({ emoji: '🎉', on: false, reactions: [{ emoji: '👍', count: 2 }] });

    const seenBy = async (connection: TestConnection) =>
      ((await h.ack(connection, 'getHistory', { roomId })).messages as Message[])[0]!.reactions;
    expect(await seenBy(bob)).toEqual([{ emoji: '👍', count: 2, reactedByMe: true }]);
    expect(await seenBy(alicePhone)).toEqual([{ emoji: '👍', count: 2, reactedByMe: false }]);
  });

  it('refuses what is not one emoji, naming the field, and a 21st different emoji', async () => {
    const { h, bob, roomId } = await roomWithMessage();
    for (const emoji of ['', 'a', '👍👍', ':+1:', '1', '__proto__', 'x'.repeat(40)]) {
      expect(await h.request(bob, 'react', { roomId, seq: 1, emoji, on: true })).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/^emoji: /),
      });
    }
    for (const emoji of ['🇫🇷', '1️⃣', '👩🏽‍💻', '❤️', '🏳️‍🌈']) {
      expect((await h.request(bob, 'react', { roomId, seq: 1, emoji, on: true })).type).toBe('ack');
    }
    const more = ['😀', '😁', '😂', '🤣', '😃', '😄', '😅', '😆', '😉', '😊', '😋', '😎', '😍', '😘', '🥰'];
    for (const emoji of more) await h.ack(bob, 'react', { roomId, seq: 1, emoji, on: true });
    expect(await h.request(bob, 'react', { roomId, seq: 1, emoji: '🤗', on: true })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'emoji: a message can carry at most 20 different reactions',
    });
  });
});

describe('replies and catch-up', () => {
  it('stores replyTo (the seq only), and refuses a reply to a seq that holds no message of the room', async () => {
    const { h, alicePhone, bob, roomId } = await roomWithMessage();
    const reply = await h.ack(bob, 'sendMessage', { roomId, clientMessageId: 'r1', content: 'hi back', replyTo: 1 });
    expect(reply.message).toMatchObject({ seq: 2, replyTo: 1, content: 'hi back' });
    expect(h.eventsOf(alicePhone)).toEqual([{ type: 'message', roomId, message: reply.message }]);
    await h.ack(bob, 'react', { roomId, seq: 1, emoji: '👍', on: true });
    for (const replyTo of [3, 99]) {
      expect(
        await h.request(bob, 'sendMessage', { roomId, clientMessageId: `r-${replyTo}`, content: 'x', replyTo }),
      ).toMatchObject({ code: 'NOT_FOUND', message: `replyTo: no message ${replyTo} in this room` });
    }
  });

  it('getHistory after lists the changes in seq order beside the messages as they are now', async () => {
    const { h, alicePhone, bob, roomId } = await roomWithMessage();
    await h.ack(bob, 'sendMessage', { roomId, clientMessageId: 'b1', content: 'second' });
    await h.ack(alicePhone, 'editMessage', { roomId, seq: 1, content: 'first, edited' });
    await h.ack(bob, 'react', { roomId, seq: 1, emoji: '👍', on: true });
    await h.ack(bob, 'deleteMessage', { roomId, seq: 2 });
    const page = await h.ack(alicePhone, 'getHistory', { roomId, after: 0 });
    expect((page.messages as Message[]).map((m) => [m.seq, m.content, m.deleted ?? false])).toEqual([
      [1, 'first, edited', false],
      [2, '', true],
    ]);
    expect((page.changes as MessageChange[]).map((c) => [c.seq, c.kind, c.changeOf])).toEqual([
      [3, 'edit', 1],
      [4, 'reaction', 1],
      [5, 'delete', 2],
    ]);
    // Scrolling back lists messages only.
    expect((await h.ack(alicePhone, 'getHistory', { roomId })).changes).toEqual([]);
    const limited = await h.ack(alicePhone, 'getHistory', { roomId, after: 1, limit: 2 });
    expect([...(limited.messages as Message[]), ...(limited.changes as MessageChange[])].map((i) => i.seq)).toEqual([
      2, 3,
    ]);
    expect(limited.hasMore).toBe(true);
  });
});
