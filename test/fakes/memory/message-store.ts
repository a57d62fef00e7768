// Messages, claims and the room's seq counter in memory.
import type { Message } from '../../../lambdas/protocol/index.js';
import { assertPageLimit } from '../../../lambdas/adapters/dynamo/cursor.js';
import {
  UNREAD_SCAN_FACTOR,
  type HistoryQuery,
  type MessageStore,
  type SendState,
} from '../../../lambdas/chat/ports.js';
import { copy, key, type MemoryTable } from './memory-table.js';

export class MemoryMessageStore implements MessageStore {
  constructor(private readonly table: MemoryTable) {}

  async getSendState(roomId: string, userId: string, clientMessageId: string): Promise<SendState> {
    await this.table.enter('getSendState');
    const state: SendState = {};
    const member = this.table.members.get(key(roomId, userId));
    const existing = this.table.claims.get(key(roomId, userId, clientMessageId));
    const typing = this.table.typing.get(key(roomId, userId));
    if (member) state.member = copy(member);
    if (existing) state.existing = copy(existing);
    // As stored, expired or not: the caller decides with its own clock (the port takes no `now` here).
    if (typing) state.typing = copy(typing);
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
    if (existing) return copy(existing);
    this.table.claims.set(claimKey, copy(message));
    return undefined;
  }

  async putMessageIfAbsent(message: Message): Promise<boolean> {
    await this.table.enter('putMessageIfAbsent');
    const messageKey = key(message.roomId, String(message.seq));
    if (this.table.messages.has(messageKey)) return false;
    this.table.messages.set(messageKey, copy(message));
    return true;
  }

  async getMessages(roomId: string, query: HistoryQuery): Promise<{ messages: Message[]; hasMore: boolean }> {
    await this.table.enter('getMessages');
    assertPageLimit(query.limit);
    if (query.before !== undefined && query.after !== undefined) {
      throw new RangeError('getMessages: before and after cannot be combined');
    }
    const inRoom = [...this.table.messages.values()].filter((message) => message.roomId === roomId);
    let window: Message[];
    let hasMore: boolean;
    if (query.after !== undefined) {
      const after = query.after;
      const newer = inRoom.filter((message) => message.seq > after).sort((a, b) => a.seq - b.seq);
      window = newer.slice(0, query.limit);
      hasMore = newer.length > query.limit;
    } else {
      const before = query.before;
      const older = inRoom
        .filter((message) => before === undefined || message.seq < before)
        .sort((a, b) => b.seq - a.seq);
      window = older.slice(0, query.limit).reverse();
      hasMore = older.length > query.limit;
    }
    return { messages: window.map(copy), hasMore };
  }

  async countUnread(roomId: string, userId: string, afterSeq: number, cap: number, throughSeq?: number) {
    await this.table.enter('countUnread');
    assertPageLimit(cap);
    const read = [...this.table.messages.values()]
      .filter((m) => m.roomId === roomId && m.seq > afterSeq && (throughSeq === undefined || m.seq <= throughSeq))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, UNREAD_SCAN_FACTOR * cap);
    const unread = read.filter((m) => m.changeOf === undefined && m.senderId !== userId).length;
    return Math.min(unread, cap);
  }
}
