// Typing indicators in memory.
import type { TypingRecord, TypingStore } from '../../../lambdas/chat/ports.js';
import { copy, key, type MemoryTable } from './memory-table.js';

export class MemoryTypingStore implements TypingStore {
  constructor(private readonly table: MemoryTable) {}

  async startTyping(record: TypingRecord, now: number, rebroadcastAfterMs: number): Promise<boolean> {
    await this.table.enter('startTyping');
    const typingKey = key(record.roomId, record.userId);
    const existing = this.table.typing.get(typingKey);
    const broadcast = !existing || existing.expiresAt <= now || existing.lastBroadcastAt <= now - rebroadcastAfterMs;
    if (broadcast) {
      // The broadcast happens now, whatever the caller put in record.lastBroadcastAt.
      this.table.typing.set(typingKey, copy({ ...record, lastBroadcastAt: now }));
      return true;
    }
    existing.expiresAt = record.expiresAt;
    return false;
  }

  async stopTyping(roomId: string, userId: string, now: number): Promise<TypingRecord | undefined> {
    await this.table.enter('stopTyping');
    const typingKey = key(roomId, userId);
    const existing = this.table.typing.get(typingKey);
    this.table.typing.delete(typingKey);
    return existing && existing.expiresAt > now ? copy(existing) : undefined;
  }

  async listTyping(roomId: string, now: number): Promise<TypingRecord[]> {
    await this.table.enter('listTyping');
    return [...this.table.typing.values()]
      .filter((record) => record.roomId === roomId && record.expiresAt > now)
      .sort((a, b) => (a.userId < b.userId ? -1 : 1))
      .map(copy);
  }

  async listTypingOf(userId: string, now: number): Promise<TypingRecord[]> {
    await this.table.enter('listTypingOf');
    return [...this.table.typing.values()]
      .filter((record) => record.userId === userId && record.expiresAt > now)
      .map(copy);
  }
}
