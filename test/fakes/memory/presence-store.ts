// Presence in memory: each call is one atomic step, as each DynamoDB update is.
import type { PresenceState, PresenceStore } from '../../../lambdas/chat/ports.js';
import { copy, type MemoryTable } from './memory-table.js';

export class MemoryPresenceStore implements PresenceStore {
  constructor(private readonly table: MemoryTable) {}

  async markOnline(userId: string, liveUntil: number): Promise<PresenceState | undefined> {
    await this.table.enter('markOnline');
    const before = this.table.presence.get(userId);
    this.table.presence.set(userId, { online: true, gen: (before?.gen ?? 0) + 1, liveUntil });
    return before && copy(before);
  }

  async getPresence(userId: string): Promise<PresenceState | undefined> {
    await this.table.enter('getPresence');
    const state = this.table.presence.get(userId);
    return state && copy(state);
  }

  async settlePresence(userId: string, seen: PresenceState, liveUntil?: number): Promise<boolean> {
    await this.table.enter('settlePresence');
    const state = this.table.presence.get(userId);
    if (!state || state.gen !== seen.gen || !state.online) return false;
    if (liveUntil === undefined) state.online = false;
    else state.liveUntil = liveUntil;
    return true;
  }
}
