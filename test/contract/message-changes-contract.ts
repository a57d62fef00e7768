// The behaviour every MessageStore must have for the changes to messages: edits, deletions, reactions, and the
// changes' place in the room's history (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';
import type { ChatStores } from '../../lambdas/chat/ports.js';
import { LIMITS, type MessageChange } from '../../lambdas/protocol/index.js';
import { member, message, roomWithMembers, storesPerTest, uid, type MakeStores } from './store-fixtures.js';

const at = (ms: number) => new Date(1_700_000_000_000 + ms).toISOString();

function change(roomId: string, seq: number, changeOf: number, overrides: Partial<MessageChange> = {}): MessageChange {
  return {
    roomId,
    seq,
    changeOf,
    kind: 'edit',
    userId: 'sender',
    createdAt: at(seq),
    content: `edit ${seq}`,
    ...overrides,
  };
}

/** A reaction request on message `changeOf` (a change seq of no importance here). */
const reaction = (roomId: string, userId: string, emoji: string, on: boolean, changeOf = 1) => ({
  roomId,
  changeOf,
  seq: 100,
  userId,
  emoji,
  on,
  firstReaction: false,
});

/** A room with alice and bob and alice's message at seq 1 (the room's counter at 1). */
async function roomWithMessage(stores: ChatStores) {
  const room = await roomWithMembers(stores.rooms, ['alice', 'bob']);
  const seq = await stores.messages.nextSeq(room.roomId);
  const sent = message(room.roomId, seq, { senderId: 'alice', clientMessageId: 'cm-1', content: 'original' });
  await stores.messages.claimClientMessageId(sent);
  await stores.messages.putMessageIfAbsent(sent);
  return { roomId: room.roomId, room, sent };
}

export function describeMessageChangesContract(name: string, makeStores: MakeStores): void {
  describe(`MessageStore changes contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it('keeps a seq for one item: a message or a change, never both', async () => {
      const roomId = uid('room');
      expect(await stores.messages.putChangeIfAbsent(change(roomId, 2, 1))).toBe(true);
      expect(await stores.messages.putChangeIfAbsent(change(roomId, 2, 1, { content: 'other' }))).toBe(false);
      expect(await stores.messages.putMessageIfAbsent(message(roomId, 2))).toBe(false);
      await stores.messages.putMessageIfAbsent(message(roomId, 3));
      expect(await stores.messages.putChangeIfAbsent(change(roomId, 3, 1))).toBe(false);
    });

    it('lists changes with the messages when catching up, and only messages otherwise', async () => {
      const roomId = uid('room');
      const first = message(roomId, 1);
      const second = message(roomId, 3);
      const edit = change(roomId, 2, 1);
      const reaction = change(roomId, 4, 3, {
        kind: 'reaction',
        content: undefined,
        emoji: '👍',
        on: true,
        reactions: [{ emoji: '👍', count: 1 }],
        reactionsVersion: 1,
      });
      delete reaction.content;
      for (const item of [first, second]) await stores.messages.putMessageIfAbsent(item);
      for (const item of [edit, reaction]) await stores.messages.putChangeIfAbsent(item);
      expect(await stores.messages.getMessages(roomId, { after: 0, limit: 10 })).toEqual({
        messages: [first, second],
        changes: [edit, reaction],
        hasMore: false,
      });
      // The limit counts both kinds, in seq order.
      expect(await stores.messages.getMessages(roomId, { after: 0, limit: 2 })).toEqual({
        messages: [first],
        changes: [edit],
        hasMore: true,
      });
      expect(await stores.messages.getMessages(roomId, { limit: 1 })).toEqual({
        messages: [second],
        changes: [],
        hasMore: true,
      });
      expect(await stores.messages.getMessages(roomId, { before: 4, limit: 5 })).toEqual({
        messages: [first, second],
        changes: [],
        hasMore: false,
      });
    });

    it('reads membership, room and target together; a change is no target', async () => {
      const { roomId, room, sent } = await roomWithMessage(stores);
      expect(await stores.messages.getChangeState(roomId, 1, 'alice')).toEqual({
        member: member(roomId, 'alice'),
        room: { ...room, lastSeq: 1 },
        target: sent,
      });
      await stores.messages.putChangeIfAbsent(change(roomId, 2, 1));
      expect((await stores.messages.getChangeState(roomId, 2, 'alice')).target).toBeUndefined();
      expect(await stores.messages.getChangeState(roomId, 1, 'stranger')).toEqual({
        room: { ...room, lastSeq: 1 },
        target: sent,
      });
    });

    it('applies edits by seq: the greatest wins, none after a deletion, at most the limit', async () => {
      const { roomId, sent } = await roomWithMessage(stores);
      const edit = (seq: number, content: string) =>
        stores.messages.applyEdit({ roomId, changeOf: 1, seq, content, editedAt: at(seq) });
      expect(await edit(3, 'third')).toBe('applied');
      expect(await edit(2, 'second, late')).toBe('superseded');
      const target = (await stores.messages.getChangeState(roomId, 1, 'alice')).target;
      expect(target).toEqual({ ...sent, content: 'third', editedAt: at(3) });
      expect(await stores.messages.markDeleted(roomId, 1)).toBe(true);
      expect(await edit(4, 'after delete')).toBe('deleted');
      expect(await stores.messages.applyEdit({ roomId, changeOf: 9, seq: 10, content: 'x', editedAt: at(10) })).toBe(
        'deleted',
      );
    });

    it(`refuses an edit past the ${LIMITS.editsPerMessageMax}th`, async () => {
      const { roomId } = await roomWithMessage(stores);
      for (let seq = 2; seq < 2 + LIMITS.editsPerMessageMax; seq++) {
        expect(
          await stores.messages.applyEdit({ roomId, changeOf: 1, seq, content: `v${seq}`, editedAt: at(seq) }),
        ).toBe('applied');
      }
      const next = 2 + LIMITS.editsPerMessageMax;
      expect(
        await stores.messages.applyEdit({ roomId, changeOf: 1, seq: next, content: 'one more', editedAt: at(next) }),
      ).toBe('tooManyEdits');
    });

    it('deletes once, and removes every stored copy of the content', async () => {
      const { roomId, sent } = await roomWithMessage(stores);
      const withAttachment = message(roomId, 5, { senderId: 'bob', attachmentUrl: 'https://cdn.example/a.png' });
      await stores.messages.putMessageIfAbsent(withAttachment);
      await stores.messages.applyEdit({ roomId, changeOf: 1, seq: 2, content: 'secret edit', editedAt: at(2) });
      await stores.messages.putChangeIfAbsent(change(roomId, 2, 1, { userId: 'alice', content: 'secret edit' }));
      // An edit applied whose own item is not written yet.
      await stores.messages.applyEdit({ roomId, changeOf: 1, seq: 3, content: 'late secret', editedAt: at(3) });

      expect(await stores.messages.markDeleted(roomId, 1)).toBe(true);
      expect(await stores.messages.markDeleted(roomId, 1)).toBe(false);
      await stores.messages.removeDeletedContent(roomId, 1);
      await stores.messages.removeDeletedContent(roomId, 1);
      // The late edit finds its seq taken: its content never lands.
      expect(
        await stores.messages.putChangeIfAbsent(change(roomId, 3, 1, { userId: 'alice', content: 'late secret' })),
      ).toBe(false);

      const deleted = { ...sent, content: '', deleted: true, editedAt: at(3) };
      expect((await stores.messages.getChangeState(roomId, 1, 'alice')).target).toEqual(deleted);
      const page = await stores.messages.getMessages(roomId, { after: 0, limit: 10 });
      expect(page.messages[0]).toEqual(deleted);
      expect(page.changes.map(({ seq, kind, changeOf, userId }) => ({ seq, kind, changeOf, userId }))).toEqual([
        { seq: 2, kind: 'edit', changeOf: 1, userId: 'alice' },
        { seq: 3, kind: 'edit', changeOf: 1, userId: 'alice' },
      ]);
      expect(page.changes.every((item) => item.content === undefined)).toBe(true);
      // A retried send finds its claim deleted too.
      const claim = (await stores.messages.getSendState(roomId, 'alice', 'cm-1')).existing;
      expect(claim).toMatchObject({ deleted: true, content: '' });
      expect(JSON.stringify({ page, claim })).not.toMatch(/secret|original/);

      expect(await stores.messages.markDeleted(roomId, 5)).toBe(true);
      const attachmentGone = (await stores.messages.getChangeState(roomId, 5, 'bob')).target;
      expect(attachmentGone).toEqual({ ...withAttachment, attachmentUrl: undefined, content: '', deleted: true });
      expect(attachmentGone).not.toHaveProperty('attachmentUrl');
    });

    it('counts one reaction per user and emoji, with a version that grows on every change of the counts', async () => {
      const { roomId } = await roomWithMessage(stores);
      const react = (userId: string, emoji: string, on: boolean) =>
        stores.messages.setReaction({ roomId, changeOf: 1, seq: 100, userId, emoji, on, firstReaction: false });
      expect(await react('alice', '👍', true)).toEqual({
        outcome: 'changed',
        reactions: [{ emoji: '👍', count: 1 }],
        reactionsVersion: 1,
      });
      expect(await react('alice', '👍', true)).toEqual({ outcome: 'unchanged' });
      expect(await react('bob', '👍', true)).toMatchObject({
        reactions: [{ emoji: '👍', count: 2 }],
        reactionsVersion: 2,
      });
      expect(await react('bob', '🎉', true)).toEqual({
        outcome: 'changed',
        reactions: [
          { emoji: '👍', count: 2 },
          { emoji: '🎉', count: 1 },
        ],
        reactionsVersion: 3,
      });
      expect(await react('alice', '🎉', false)).toEqual({ outcome: 'unchanged' });
      expect(await react('bob', '🎉', false)).toEqual({
        outcome: 'changed',
        reactions: [{ emoji: '👍', count: 2 }],
        reactionsVersion: 4,
      });

      const seenBy = async (userId: string) => (await stores.messages.getChangeState(roomId, 1, userId)).target;
      expect((await seenBy('alice'))?.reactions).toEqual([{ emoji: '👍', count: 2, reactedByMe: true }]);
      expect((await seenBy('carol'))?.reactions).toEqual([{ emoji: '👍', count: 2, reactedByMe: false }]);
      expect((await seenBy('carol'))?.reactionsVersion).toBe(4);
      const page = await stores.messages.getMessages(roomId, { limit: 5, viewerId: 'bob' });
      expect(page.messages[0]?.reactions).toEqual([{ emoji: '👍', count: 2, reactedByMe: true }]);
      const anonymous = await stores.messages.getMessages(roomId, { limit: 5 });
      expect(anonymous.messages[0]?.reactions).toEqual([{ emoji: '👍', count: 2, reactedByMe: false }]);

      await react('alice', '👍', false);
      await react('bob', '👍', false);
      const none = await seenBy('alice');
      expect(none).not.toHaveProperty('reactions');
      expect(none?.reactionsVersion).toBe(6);
    });

    it('lets racing reactions of many users all count, each once', async () => {
      const { roomId } = await roomWithMessage(stores);
      const users = Array.from({ length: 12 }, (_, index) => `user-${index}`);
      const results = await Promise.all(
        [...users, ...users].map((userId) =>
          stores.messages.setReaction({
            roomId,
            changeOf: 1,
            seq: 100,
            userId,
            emoji: '❤️',
            on: true,
            firstReaction: true,
          }),
        ),
      );
      expect(results.filter((result) => result.outcome === 'changed')).toHaveLength(12);
      const target = (await stores.messages.getChangeState(roomId, 1, 'user-3')).target;
      expect(target?.reactions).toEqual([{ emoji: '❤️', count: 12, reactedByMe: true }]);
      expect(target?.reactionsVersion).toBe(12);
    });

    it(`holds at most ${LIMITS.reactionsPerMessageMax} different emojis, and none on a deleted message`, async () => {
      const { roomId } = await roomWithMessage(stores);
      const emojis = [
        '😀',
        '😁',
        '😂',
        '🤣',
        '😃',
        '😄',
        '😅',
        '😆',
        '😉',
        '😊',
        '😋',
        '😎',
        '😍',
        '😘',
        '🥰',
        '😗',
        '😙',
        '🥲',
        '😚',
        '🙂',
        '🤗',
      ];
      for (const emoji of emojis.slice(0, LIMITS.reactionsPerMessageMax)) {
        expect((await stores.messages.setReaction(reaction(roomId, 'alice', emoji, true))).outcome).toBe('changed');
      }
      const extra = emojis[LIMITS.reactionsPerMessageMax]!;
      expect(await stores.messages.setReaction(reaction(roomId, 'bob', extra, true))).toEqual({
        outcome: 'full',
      });
      // Refused without a trace: bob has no reaction recorded, so taking it back changes nothing.
      expect(await stores.messages.setReaction(reaction(roomId, 'bob', extra, false))).toEqual({
        outcome: 'unchanged',
      });
      expect((await stores.messages.setReaction(reaction(roomId, 'bob', '😀', true))).outcome).toBe('changed');
      await stores.messages.markDeleted(roomId, 1);
      expect(await stores.messages.setReaction(reaction(roomId, 'bob', '😁', true))).toEqual({
        outcome: 'gone',
      });
      expect(await stores.messages.setReaction(reaction(roomId, 'bob', '😁', true, 7))).toEqual({
        outcome: 'gone',
      });
    });

    it('reads the message replied to with the send state', async () => {
      const { roomId, sent } = await roomWithMessage(stores);
      await stores.messages.putChangeIfAbsent(change(roomId, 2, 1));
      expect((await stores.messages.getSendState(roomId, 'bob', 'cm-9', 1)).replyTarget).toEqual(sent);
      expect((await stores.messages.getSendState(roomId, 'bob', 'cm-9', 2)).replyTarget).toBeUndefined();
      expect((await stores.messages.getSendState(roomId, 'bob', 'cm-9', 99)).replyTarget).toBeUndefined();
      expect((await stores.messages.getSendState(roomId, 'bob', 'cm-9')).member).toEqual(member(roomId, 'bob'));
    });
  });
}
