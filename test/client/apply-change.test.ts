// applyChange on its own: the rules that let a client apply changes over messages read before or after them.
import { describe, expect, it } from 'vitest';
import { applyChange, type Message, type MessageChange } from '../../client/src/index.js';
import { RoomSequencer, type Sequenced } from '../../client/src/room-sequencer.js';

const message: Message = {
  id: 'm1',
  roomId: 'room',
  seq: 1,
  senderId: 'alice',
  senderName: 'Alice',
  content: 'hello',
  messageType: 'image',
  attachmentUrl: 'https://cdn.example/a.png',
  clientMessageId: 'c1',
  createdAt: '2026-12-03T09:00:00.000Z',
};
const change = (seq: number, fields: Partial<MessageChange>): MessageChange => ({
  roomId: 'room',
  seq,
  changeOf: 1,
  kind: 'edit',
  userId: 'alice',
  createdAt: `2026-12-03T09:00:0${seq}.000Z`,
  ...fields,
});
const reaction = (seq: number, userId: string, on: boolean, count: number, version: number) =>
  change(seq, {
    kind: 'reaction',
    userId,
    emoji: '👍',
    on,
    reactions: count > 0 ? [{ emoji: '👍', count }] : [],
    reactionsVersion: version,
  });

describe('applyChange', () => {
  it('edits the content and editedAt; a deletion empties the content and drops the attachment for good', () => {
    const edited = applyChange(message, change(2, { content: 'hello again' }));
    expect(edited).toEqual({ ...message, content: 'hello again', editedAt: '2026-12-03T09:00:02.000Z' });
    const deleted = applyChange(edited, change(3, { kind: 'delete' }));
    expect(deleted).toEqual({
      ...message,
      attachmentUrl: undefined,
      content: '',
      deleted: true,
      editedAt: edited.editedAt,
    });
    expect(deleted).not.toHaveProperty('attachmentUrl');
    // An edit whose content the deletion removed, or any edit after it, leaves the message deleted.
    expect(applyChange(deleted, change(4, { content: 'back' }))).toBe(deleted);
    expect(applyChange(deleted, change(2, {}))).toBe(deleted);
  });

  it('takes reaction counts only from a higher reactionsVersion, and reactedByMe from my own changes', () => {
    const once = applyChange(message, reaction(2, 'bob', true, 1, 1), 'bob');
    expect(once.reactions).toEqual([{ emoji: '👍', count: 1, reactedByMe: true }]);
    const twice = applyChange(once, reaction(3, 'carol', true, 2, 2), 'bob');
    expect(twice.reactions).toEqual([{ emoji: '👍', count: 2, reactedByMe: true }]);
    // A change the message already includes (read after it): nothing counted twice.
    expect(applyChange(twice, reaction(3, 'carol', true, 2, 2), 'bob')).toBe(twice);
    expect(applyChange(twice, reaction(2, 'bob', true, 1, 1), 'bob')).toBe(twice);
    const taken = applyChange(twice, reaction(4, 'bob', false, 1, 3), 'bob');
    expect(taken.reactions).toEqual([{ emoji: '👍', count: 1, reactedByMe: false }]);
    const none = applyChange(taken, reaction(5, 'carol', false, 0, 4), 'bob');
    expect(none).not.toHaveProperty('reactions');
    expect(none.reactionsVersion).toBe(4);
  });
});

describe('RoomSequencer with changes', () => {
  it('counts changes in the sequence: they fill the seqs between messages, live and from history pages', async () => {
    const emitted: number[] = [];
    const stored: Sequenced[] = [change(2, { content: 'x' }), { ...message, seq: 3, id: 'm3' }, change(4, {})];
    const sequencer = new RoomSequencer('room', 0, {
      async fetchAfter(_roomId, after) {
        const newer = stored.filter((item) => item.seq > after);
        return {
          messages: newer.filter((item): item is Message => !('changeOf' in item)),
          changes: newer.filter((item): item is MessageChange => 'changeOf' in item),
          hasMore: false,
        };
      },
      emit: (item) => emitted.push(item.seq),
      onError: (error) => {
        throw error;
      },
      gapWaitMs: 1_000,
    });
    sequencer.accept(message);
    sequencer.accept(change(2, { content: 'x' }));
    expect(emitted).toEqual([1, 2]);
    await sequencer.catchUp(4);
    expect(emitted).toEqual([1, 2, 3, 4]);
    sequencer.dispose();
  });
});
