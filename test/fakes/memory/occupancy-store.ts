// Occupancy in memory: each call is one atomic step, as each DynamoDB update is.
import { sweepShardOf } from '../../../lambdas/adapters/dynamo/keys.js';
import type { OccupancyChange, OccupancyStore, Page, PageRequest } from '../../../lambdas/chat/ports.js';
import { key, pageOf, type MemoryTable } from './memory-table.js';

export class MemoryOccupancyStore implements OccupancyStore {
  constructor(private readonly table: MemoryTable) {}

  async markOnlineIn(
    roomId: string,
    userId: string,
    online: boolean,
    now: number,
    windowMs: number,
    options?: { findable: boolean },
  ): Promise<OccupancyChange | undefined> {
    await this.table.enter('markOnlineIn');
    const mark = key(roomId, userId);
    if (this.table.onlineMarks.has(mark) === online) return undefined;
    if (online) this.table.onlineMarks.set(mark, { roomId, userId, findable: options?.findable ?? false });
    else this.table.onlineMarks.delete(mark);
    return this.changeOnlineCount(roomId, online ? 1 : -1, now, windowMs);
  }

  private changeOnlineCount(roomId: string, delta: number, now: number, windowMs: number): OccupancyChange {
    const state = this.stateOf(roomId);
    state.online += delta;
    if (this.claim(state, now, windowMs)) return { onlineCount: state.online, announce: true };
    this.table.pendingOccupancy.set(roomId, now);
    return { onlineCount: state.online, announce: false };
  }

  async listMarkedRooms(userId: string, page: PageRequest): Promise<Page<string>> {
    await this.table.enter('listMarkedRooms');
    const entries = [...this.table.onlineMarks.values()]
      .filter((mark) => mark.findable && mark.userId === userId)
      .map((mark): [string, string] => [mark.roomId, mark.roomId]);
    return pageOf(entries, page, 'marked', userId);
  }

  async getOnlineCount(roomId: string): Promise<number> {
    await this.table.enter('getOnlineCount');
    return this.table.occupancy.get(roomId)?.online ?? 0;
  }

  async listPendingOccupancy(shard: number, page: PageRequest): Promise<Page<string>> {
    await this.table.enter('listPendingOccupancy');
    const entries = [...this.table.pendingOccupancy.keys()]
      .filter((roomId) => sweepShardOf(roomId) === shard)
      .map((roomId): [string, string] => [roomId, roomId]);
    return pageOf(entries, page, 'occupancy', String(shard));
  }

  async claimPendingOccupancy(roomId: string, now: number, windowMs: number): Promise<number | undefined> {
    await this.table.enter('claimPendingOccupancy');
    const state = this.stateOf(roomId);
    if (!this.claim(state, now, windowMs)) return undefined;
    if ((this.table.pendingOccupancy.get(roomId) ?? now) < now) this.table.pendingOccupancy.delete(roomId);
    return state.online;
  }

  private stateOf(roomId: string): { online: number; lastEventAt?: number } {
    let state = this.table.occupancy.get(roomId);
    if (!state) {
      state = { online: 0 };
      this.table.occupancy.set(roomId, state);
    }
    return state;
  }

  private claim(state: { lastEventAt?: number }, now: number, windowMs: number): boolean {
    if (state.lastEventAt !== undefined && state.lastEventAt > now - windowMs) return false;
    state.lastEventAt = now;
    return true;
  }
}
