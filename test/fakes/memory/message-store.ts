// Messages, claims, the room's seq counter and the changes to messages in memory.
import { LIMITS, type Message, type MessageReaction } from '../../../lambdas/protocol/index.js';
import { assertPageLimit } from '../../../lambdas/adapters/dynamo/cursor.js';
import { byCountThenEmoji } from '../../../lambdas/adapters/dynamo/codec.js';
import {
  UNREAD_SCAN_FACTOR,
  type ChangeState,
  type EditOutcome,
  type EditRequest,
  type HistoryPage,
  type HistoryQuery,
  type MessageStore,
  type ReactionOutcome,
  type ReactionRequest,
  type SendState,
} from '../../../lambdas/chat/ports.js';
import type { MessageChange, ReactionCount } from '../../../lambdas/protocol/index.js';
import { copy, key, type MemoryTable } from './memory-table.js';

const seqKey = (roomId: string, seq: number) => key(roomId, String(seq));

export class MemoryMessageStore implements MessageStore {
  constructor(private readonly table: MemoryTable) {}

  async getSendState(roomId: string, userId: string, clientMessageId: string, replyTo?: number): Promise<SendState> {
    await this.table.enter('getSendState');
    const state: SendState = {};
    const member = this.table.members.get(key(roomId, userId));
    const existing = this.table.claims.get(key(roomId, userId, clientMessageId));
    const typing = this.table.typing.get(key(roomId, userId));
    if (member) state.member = copy(member);
    if (existing) state.existing = this.asStored(existing);
    // As stored, expired or not: the caller decides with its own clock (the port takes no `now` here).
    if (typing) state.typing = copy(typing);
    if (replyTo !== undefined) {
      const target = this.table.messages.get(seqKey(roomId, replyTo));
      if (target) state.replyTarget = this.withReactions(target);
    }
    return state;
  }

  async nextSeq(roomId: string): Promise<number> {
    await this.table.enter('nextSeq');
    const room = this.table.rooms.get(roomId);
    if (!room) throw new Error(`room ${roomId} does not exist`);
    room.lastSeq += 1;
    return room.lastSeq;
  }

  async claimClientMessageId(message: Message): Promise<Message | undefined> {
    await this.table.enter('claimClientMessageId');
    const claimKey = key(message.roomId, message.senderId, message.clientMessageId);
    const existing = this.table.claims.get(claimKey);
    if (existing) return this.asStored(existing);
    this.table.claims.set(claimKey, copy(message));
    return undefined;
  }

  async putMessageIfAbsent(message: Message): Promise<boolean> {
    await this.table.enter('putMessageIfAbsent');
    const messageKey = seqKey(message.roomId, message.seq);
    if (this.seqTaken(messageKey)) return false;
    this.table.messages.set(messageKey, copy(message));
    return true;
  }

  async getMessages(roomId: string, query: HistoryQuery): Promise<HistoryPage> {
    await this.table.enter('getMessages');
    assertPageLimit(query.limit);
    if (query.before !== undefined && query.after !== undefined) {
      throw new RangeError('getMessages: before and after cannot be combined');
    }
    const messages = [...this.table.messages.values()].filter((message) => message.roomId === roomId);
    let window: (Message | MessageChange)[];
    let hasMore: boolean;
    if (query.after !== undefined) {
      const after = query.after;
      const changes = [...this.table.changes.values()].filter((change) => change.roomId === roomId);
      const newer = [...messages, ...changes].filter((item) => item.seq > after).sort((a, b) => a.seq - b.seq);
      window = newer.slice(0, query.limit);
      hasMore = newer.length > query.limit;
    } else {
      const before = query.before;
      const older = messages
        .filter((message) => before === undefined || message.seq < before)
        .sort((a, b) => b.seq - a.seq);
      window = older.slice(0, query.limit).reverse();
      hasMore = older.length > query.limit;
    }
    const page: HistoryPage = { messages: [], changes: [], hasMore };
    for (const item of window) {
      if ('changeOf' in item) page.changes.push(copy(item));
      else page.messages.push(this.withReactions(item as Message, query.viewerId));
    }
    return page;
  }

  async getChangeState(roomId: string, seq: number, userId: string): Promise<ChangeState> {
    await this.table.enter('getChangeState');
    const state: ChangeState = {};
    const member = this.table.members.get(key(roomId, userId));
    const room = this.table.rooms.get(roomId);
    const target = this.table.messages.get(seqKey(roomId, seq));
    if (member) state.member = copy(member);
    if (room) state.room = copy(room);
    if (target) state.target = this.withReactions(target, userId);
    return state;
  }

  async applyEdit(edit: EditRequest): Promise<EditOutcome> {
    await this.table.enter('applyEdit');
    const target = this.table.messages.get(seqKey(edit.roomId, edit.changeOf));
    if (!target || target.deleted) return 'deleted';
    const extras = this.extras(edit.roomId, edit.changeOf);
    if (extras.editSeq !== undefined && extras.editSeq > edit.seq) return 'superseded';
    if (extras.editSeqs.length >= LIMITS.editsPerMessageMax) return 'tooManyEdits';
    target.content = edit.content;
    target.editedAt = edit.editedAt;
    extras.editSeq = edit.seq;
    extras.editSeqs.push(edit.seq);
    return 'applied';
  }

  async markDeleted(roomId: string, seq: number): Promise<boolean> {
    await this.table.enter('markDeleted');
    const target = this.table.messages.get(seqKey(roomId, seq));
    if (!target || target.deleted) return false;
    this.table.messages.set(seqKey(roomId, seq), deletedCopy(target));
    return true;
  }

  async removeDeletedContent(roomId: string, seq: number): Promise<void> {
    await this.table.enter('removeDeletedContent');
    const target = this.table.messages.get(seqKey(roomId, seq));
    if (!target?.deleted) return;
    const claimKey = key(roomId, target.senderId, target.clientMessageId);
    const claim = this.table.claims.get(claimKey);
    if (claim) this.table.claims.set(claimKey, deletedCopy(claim));
    for (const editSeq of this.extras(roomId, seq).editSeqs) {
      const editKey = seqKey(roomId, editSeq);
      const edit = this.table.changes.get(editKey);
      const scrubbed: MessageChange = {
        roomId,
        seq: editSeq,
        changeOf: seq,
        kind: 'edit',
        userId: target.senderId,
        createdAt: edit?.createdAt ?? target.editedAt ?? target.createdAt,
      };
      this.table.changes.set(editKey, scrubbed);
    }
  }

  async setReaction({ roomId, changeOf, userId, emoji, on }: ReactionRequest): Promise<ReactionOutcome> {
    await this.table.enter('setReaction');
    const reactorKey = key(roomId, String(changeOf), userId);
    const mine = this.table.reactors.get(reactorKey) ?? new Set<string>();
    if (mine.has(emoji) === on) return { outcome: 'unchanged' };
    const target = this.table.messages.get(seqKey(roomId, changeOf));
    if (!target || target.deleted) return { outcome: 'gone' };
    const extras = this.extras(roomId, changeOf);
    const counts = extras.reactionCounts ?? new Map<string, number>();
    if (on && !counts.has(emoji) && counts.size >= LIMITS.reactionsPerMessageMax) return { outcome: 'full' };
    const next = (counts.get(emoji) ?? 0) + (on ? 1 : -1);
    if (next > 0) counts.set(emoji, next);
    else counts.delete(emoji);
    extras.reactionCounts = counts;
    extras.reactionsVersion = (extras.reactionsVersion ?? 0) + 1;
    if (on) mine.add(emoji);
    else mine.delete(emoji);
    this.table.reactors.set(reactorKey, mine);
    return { outcome: 'changed', reactions: countsOf(counts), reactionsVersion: extras.reactionsVersion };
  }

  async putChangeIfAbsent(change: MessageChange): Promise<boolean> {
    await this.table.enter('putChangeIfAbsent');
    const changeKey = seqKey(change.roomId, change.seq);
    if (this.seqTaken(changeKey)) return false;
    this.table.changes.set(changeKey, copy(change));
    return true;
  }

  /** A seq holds a message or a change, never both (one MSG# item on the table). */
  private seqTaken(seqKeyValue: string): boolean {
    return this.table.messages.has(seqKeyValue) || this.table.changes.has(seqKeyValue);
  }

  private extras(roomId: string, seq: number) {
    const extrasKey = seqKey(roomId, seq);
    let extras = this.table.messageExtras.get(extrasKey);
    if (!extras) {
      extras = { editSeqs: [] };
      this.table.messageExtras.set(extrasKey, extras);
    }
    return extras;
  }

  /** A claim as the DynamoDB codec reads it back: a deleted one has the empty string for content. */
  private asStored(message: Message): Message {
    const stored = copy(message);
    if (stored.deleted) stored.content = '';
    return stored;
  }

  /** The message as it is now, with its reactions as `viewerId` sees them. */
  private withReactions(message: Message, viewerId?: string): Message {
    const result = this.asStored(message);
    const extras = this.table.messageExtras.get(seqKey(message.roomId, message.seq));
    if (extras?.reactionsVersion !== undefined) result.reactionsVersion = extras.reactionsVersion;
    const counts = countsOf(extras?.reactionCounts ?? new Map());
    if (counts.length === 0) return result;
    const mine =
      viewerId === undefined
        ? new Set<string>()
        : (this.table.reactors.get(key(message.roomId, String(message.seq), viewerId)) ?? new Set());
    result.reactions = counts.map((count): MessageReaction => ({ ...count, reactedByMe: mine.has(count.emoji) }));
    return result;
  }

  async countUnread(roomId: string, userId: string, afterSeq: number, cap: number, throughSeq?: number) {
    await this.table.enter('countUnread');
    assertPageLimit(cap);
    // Change items are part of the history read, as on the table: they take part in the bound and in countedThrough.
    const read = [...this.table.messages.values(), ...this.table.changes.values()]
      .filter((m) => m.roomId === roomId && m.seq > afterSeq && (throughSeq === undefined || m.seq <= throughSeq))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, UNREAD_SCAN_FACTOR * cap);
    let count = 0;
    let countedThrough = afterSeq;
    // Like the table: up to the item that reaches the cap.
    for (const m of read) {
      countedThrough = m.seq;
      if (!('changeOf' in m) && m.senderId !== userId) count += 1;
      if (count >= cap) break;
    }
    return { count, countedThrough };
  }
}

function deletedCopy(message: Message): Message {
  const { content: _content, attachmentUrl: _attachment, ...rest } = message;
  return { ...copy(rest), content: '', deleted: true };
}

function countsOf(counts: ReadonlyMap<string, number>): ReactionCount[] {
  return [...counts].map(([emoji, count]) => ({ emoji, count })).sort(byCountThenEmoji);
}
