// The changes to messages on the table. Each change is an item of the room's history, ROOM#<room> MSG#<its seq>,
// with `changeOf` (the seq of the message it changes), written after the message item was brought to its new
// state, so every change a reader finds in the history is already part of the message it reads. The message item
// keeps its current state: content and editedAt with the winning edit's seq (editSeq) and the seqs of all its edits
// (editSeqs, so a deletion can find their content), `deleted`, and the reaction counts (a map from emoji to count)
// with reactionsVersion, counted up by every change of the counts. Who gave which emoji is kept per user and
// message in ROOM#<room> REACT#<seq>#<user> (a string set), which answers reactedByMe and makes a reaction
// idempotent. No transactions: each step is one conditional write, and a step that fails undoes the one before it.
import type { MessageStore } from '../../chat/ports.js';
import { LIMITS } from '../../protocol/limits.js';
import {
  REACTION_COUNTS,
  changeItem,
  emojisFromItem,
  isChangeItem,
  memberFromItem,
  messageFromItem,
  reactionCountsFromItem,
  roomFromItem,
} from './codec.js';
import { PK, SK, keys } from './keys.js';
import { ITEM_ABSENT } from './queries.js';
import { allWritesSettled, type Expression, type Item, type Table } from './table.js';

type ChangeMethods = Pick<
  MessageStore,
  'getChangeState' | 'applyEdit' | 'markDeleted' | 'removeDeletedContent' | 'setReaction' | 'putChangeIfAbsent'
>;

/** The item is a message (not a change) that is not deleted. */
const LIVE_MESSAGE: Expression = {
  expression: 'attribute_exists(#pk) AND attribute_not_exists(changeOf) AND attribute_not_exists(deleted)',
  names: { '#pk': PK },
};

const both = (a: Expression, b: Expression): Expression => ({
  expression: `${a.expression} AND ${b.expression}`,
  names: { ...a.names, ...b.names },
  values: { ...a.values, ...b.values },
});

const isInvalidPath = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ValidationException' && /document path/i.test(error.message);

export function createMessageChanges(table: Table): ChangeMethods {
  const getTarget = (operation: string, roomId: string, seq: number) =>
    table.get(operation, keys.message(roomId, seq), true);

  /**
   * Adds `delta` to one emoji's count of message `seq`, naming `changeSeq` as its last reaction (which tells a lost
   * answer from a failed write); ALL_NEW, or undefined when the condition did not hold.
   */
  function count(roomId: string, seq: number, emoji: string, delta: number, changeSeq: number, condition: Expression) {
    return table.updateIf('setReaction', keys.message(roomId, seq), {
      update: {
        expression: `ADD #counts.#emoji :delta, reactionsVersion :one SET lastReactionSeq = :changeSeq`,
        names: { '#counts': REACTION_COUNTS, '#emoji': emoji },
        values: { ':delta': delta, ':one': 1, ':changeSeq': changeSeq },
      },
      condition,
      returnValues: 'ALL_NEW',
    });
  }

  /** The message's first reaction: the map must exist before a count inside it can be added to. */
  const createCounts = (roomId: string, seq: number) =>
    table.updateIf('setReaction', keys.message(roomId, seq), {
      update: {
        expression: 'SET #counts = if_not_exists(#counts, :empty)',
        names: { '#counts': REACTION_COUNTS },
        values: { ':empty': {} },
      },
      condition: LIVE_MESSAGE,
    });

  /**
   * count(), creating the map first when the message has none after all (a caller's view can be stale). DynamoDB
   * refuses the path with a ValidationException, dynalite fails the condition instead (size() of a missing map).
   */
  async function countCreatingMap(
    roomId: string,
    seq: number,
    emoji: string,
    delta: number,
    changeSeq: number,
    condition: Expression,
  ) {
    let updated: Item | undefined;
    try {
      updated = await count(roomId, seq, emoji, delta, changeSeq, condition);
    } catch (error) {
      if (!isInvalidPath(error)) throw error;
    }
    if (updated) return { updated };
    const target = await getTarget('setReaction', roomId, seq);
    if (!target || isChangeItem(target) || target.deleted === true) return { target };
    // Tried again even when the map exists now: a racing first reaction may have just created it.
    if (target[REACTION_COUNTS] === undefined) await createCounts(roomId, seq);
    updated = await count(roomId, seq, emoji, delta, changeSeq, condition);
    return updated ? { updated } : { target: await getTarget('setReaction', roomId, seq) };
  }

  /** Adds the emoji to the user's set on the message, or removes it; false when that changed nothing. */
  async function markReactor(roomId: string, seq: number, userId: string, emoji: string, on: boolean) {
    const names = { '#emojis': 'emojis' };
    const marked = await table.updateIf('setReaction', keys.reactor(roomId, seq, userId), {
      update: {
        expression: on ? 'ADD #emojis :emoji' : 'DELETE #emojis :emoji',
        names,
        values: { ':emoji': new Set([emoji]) },
      },
      condition: {
        expression: on ? 'NOT contains(#emojis, :one)' : 'contains(#emojis, :one)',
        names,
        values: { ':one': emoji },
      },
    });
    return marked !== undefined;
  }

  /** Undoes markReactor after the count could not follow. */
  const unmarkReactor = (roomId: string, seq: number, userId: string, emoji: string, on: boolean) =>
    table.update('setReaction', keys.reactor(roomId, seq, userId), {
      update: {
        expression: on ? 'DELETE #emojis :emoji' : 'ADD #emojis :emoji',
        names: { '#emojis': 'emojis' },
        values: { ':emoji': new Set([emoji]) },
      },
    });

  return {
    async getChangeState(roomId, seq, userId) {
      const memberKey = keys.member(roomId, userId);
      const roomKey = keys.room(roomId);
      const messageKey = keys.message(roomId, seq);
      const reactorKey = keys.reactor(roomId, seq, userId);
      const items = await table.batchGet('getChangeState', [memberKey, roomKey, messageKey, reactorKey], true);
      const bySk = new Map(items.map((item) => [String(item[SK]), item]));
      const state: Awaited<ReturnType<ChangeMethods['getChangeState']>> = {};
      const member = bySk.get(memberKey[SK]!);
      const room = bySk.get(roomKey[SK]!);
      const target = bySk.get(messageKey[SK]!);
      if (member) state.member = memberFromItem(member);
      if (room) state.room = roomFromItem(room);
      if (target && !isChangeItem(target))
        state.target = messageFromItem(target, emojisFromItem(bySk.get(reactorKey[SK]!)));
      return state;
    },

    async applyEdit(edit) {
      const applied = await table.updateIf('applyEdit', keys.message(edit.roomId, edit.changeOf), {
        update: {
          expression: 'SET content = :content, editedAt = :editedAt, editSeq = :seq ADD editSeqs :seqs',
          values: {
            ':content': edit.content,
            ':editedAt': edit.editedAt,
            ':seq': edit.seq,
            ':seqs': new Set([edit.seq]),
          },
        },
        condition: both(LIVE_MESSAGE, {
          expression:
            '(attribute_not_exists(editSeq) OR editSeq < :seq) AND (attribute_not_exists(editSeqs) OR size(editSeqs) < :maxEdits)',
          values: { ':maxEdits': LIMITS.editsPerMessageMax },
        }),
      });
      if (applied) return 'applied';
      const target = await getTarget('applyEdit', edit.roomId, edit.changeOf);
      if (!target || isChangeItem(target) || target.deleted === true) return 'deleted';
      if (typeof target.editSeq === 'number' && target.editSeq > edit.seq) return 'superseded';
      return 'tooManyEdits';
    },

    async markDeleted(roomId, seq) {
      const done = await table.updateIf('markDeleted', keys.message(roomId, seq), {
        update: { expression: 'SET deleted = :true REMOVE content, attachmentUrl', values: { ':true': true } },
        condition: LIVE_MESSAGE,
      });
      return done !== undefined;
    },

    async removeDeletedContent(roomId, seq) {
      const target = await getTarget('removeDeletedContent', roomId, seq);
      if (!target || target.deleted !== true) return;
      const senderId = String(target.senderId);
      const edits = target.editSeqs instanceof Set ? [...(target.editSeqs as Set<number>)].map(Number) : [];
      const writes: Promise<unknown>[] = [
        table.updateIf('removeDeletedContent', keys.claim(roomId, senderId, String(target.clientMessageId)), {
          update: { expression: 'SET deleted = :true REMOVE content, attachmentUrl', values: { ':true': true } },
          condition: { expression: 'attribute_exists(#pk)', names: { '#pk': PK } },
        }),
        // Written whether the edit's own item exists yet or not: an edit whose item is still on its way then finds
        // its seq taken and writes nothing, so its content never lands after the deletion.
        ...edits.map((editSeq) =>
          table.update('removeDeletedContent', keys.message(roomId, editSeq), {
            update: {
              expression:
                'SET roomId = :roomId, #seq = :seq, changeOf = :changeOf, #kind = :edit, userId = :sender, ' +
                'createdAt = if_not_exists(createdAt, :at) REMOVE content',
              names: { '#seq': 'seq', '#kind': 'kind' },
              values: {
                ':roomId': roomId,
                ':seq': editSeq,
                ':changeOf': seq,
                ':edit': 'edit',
                ':sender': senderId,
                ':at': typeof target.editedAt === 'string' ? target.editedAt : String(target.createdAt),
              },
            },
          }),
        ),
      ];
      await allWritesSettled(writes);
    },

    async setReaction({ roomId, changeOf, seq, userId, emoji, on, firstReaction }) {
      const undo = () => unmarkReactor(roomId, changeOf, userId, emoji, on).catch(() => undefined);
      let marked: boolean;
      try {
        marked = await markReactor(roomId, changeOf, userId, emoji, on);
      } catch (error) {
        // Applied or not (an answer can be lost), the user's set goes back: the count never followed.
        await undo();
        throw error;
      }
      if (!marked) return { outcome: 'unchanged' };
      const emojiNames = { '#counts': REACTION_COUNTS, '#emoji': emoji };
      const condition: Expression = on
        ? both(LIVE_MESSAGE, {
            expression: '(attribute_exists(#counts.#emoji) OR size(#counts) < :maxEmojis)',
            names: emojiNames,
            values: { ':maxEmojis': LIMITS.reactionsPerMessageMax },
          })
        : both(LIVE_MESSAGE, { expression: 'attribute_exists(#counts.#emoji)', names: emojiNames });
      let counted: Awaited<ReturnType<typeof countCreatingMap>>;
      try {
        if (firstReaction && on) await createCounts(roomId, changeOf);
        counted = await countCreatingMap(roomId, changeOf, emoji, on ? 1 : -1, seq, condition);
      } catch (error) {
        // The count's answer may be lost after it was applied: the message then names this change's seq as its
        // last reaction, and the change goes on. Otherwise the user's set goes back, so a retry counts it once.
        const applied = await getTarget('setReaction', roomId, changeOf).catch(() => undefined);
        if (applied?.lastReactionSeq !== seq) {
          await undo();
          throw error;
        }
        counted = { updated: applied };
      }
      const { updated, target } = counted;
      if (!updated) {
        await undo();
        if (!target || isChangeItem(target) || target.deleted === true) return { outcome: 'gone' };
        return { outcome: on ? 'full' : 'unchanged' };
      }
      const reactions = reactionCountsFromItem(updated);
      if (!on && !reactions.some((reaction) => reaction.emoji === emoji)) {
        // A count back at zero leaves the map, so it no longer takes one of the message's emoji places.
        await table.updateIf('setReaction', keys.message(roomId, changeOf), {
          update: { expression: 'REMOVE #counts.#emoji', names: emojiNames },
          condition: { expression: '#counts.#emoji <= :zero', names: emojiNames, values: { ':zero': 0 } },
        });
      }
      return {
        outcome: 'changed',
        reactions,
        reactionsVersion: Number(updated.reactionsVersion),
      };
    },

    async putChangeIfAbsent(change) {
      return table.putIf('putChangeIfAbsent', changeItem(keys.message(change.roomId, change.seq), change), ITEM_ABSENT);
    },
  };
}
