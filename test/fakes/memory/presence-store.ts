// Presence in memory: each call is one atomic step, as each DynamoDB update is.
import { sweepShardOf } from '../../../lambdas/adapters/dynamo/keys.js';
import type { LeavingRecord, Page, PageRequest, PresenceState, PresenceStore } from '../../../lambdas/chat/ports.js';
import { copy, pageOf, type MemoryTable } from './memory-table.js';

export class MemoryPresenceStore implements PresenceStore {
  constructor(private readonly table: MemoryTable) {}

  async markOnline(
    userId: string,
    liveUntil: number,
    options?: { watch: boolean; now: number },
  ): Promise<PresenceState | undefined> {
    await this.table.enter('markOnline');
    const before = this.table.presence.get(userId);
    const flips = !before || !before.online || before.liveUntil <= (options?.now ?? 0);
    // A watch connection keeps watchOnly as it was unless it flips the user; any other connection clears it.
    const watchOnly = options?.watch ? (flips ? true : before?.watchOnly) : undefined;
    // A new object: leavingSince goes with the connect.
    this.table.presence.set(userId, {
      online: true,
      gen: (before?.gen ?? 0) + 1,
      liveUntil,
      ...(watchOnly && { watchOnly: true }),
    });
    return before && copy(before);
  }

  async getPresence(userId: string): Promise<PresenceState | undefined> {
    await this.table.enter('getPresence');
    const state = this.table.presence.get(userId);
    return state && copy(state);
  }

  async settlePresence(userId: string, seen: PresenceState, liveUntil?: number): Promise<boolean> {
    await this.table.enter('settlePresence');
    const state = this.unchangedSince(userId, seen);
    if (!state) return false;
    if (liveUntil === undefined) {
      state.online = false;
      delete state.watchOnly;
    } else state.liveUntil = liveUntil;
    delete state.leavingSince;
    return true;
  }

  async markLeaving(userId: string, seen: PresenceState, since: number): Promise<boolean> {
    await this.table.enter('markLeaving');
    this.table.leaving.set(userId, { userId, since });
    const state = this.unchangedSince(userId, seen);
    if (!state) return false;
    state.leavingSince = since;
    return true;
  }

  async listLeaving(shard: number, page: PageRequest): Promise<Page<LeavingRecord>> {
    await this.table.enter('listLeaving');
    const entries = [...this.table.leaving.values()]
      .filter((record) => sweepShardOf(record.userId) === shard)
      .map((record): [string, LeavingRecord] => [record.userId, record]);
    return pageOf(entries, page, 'leaving', String(shard));
  }

  async forgetLeaving(record: LeavingRecord): Promise<void> {
    await this.table.enter('forgetLeaving');
    if (this.table.leaving.get(record.userId)?.since === record.since) this.table.leaving.delete(record.userId);
  }

  /** The stored state, if no connect happened since `seen` was read and the user is still online. */
  private unchangedSince(userId: string, seen: PresenceState): PresenceState | undefined {
    const state = this.table.presence.get(userId);
    return state && state.gen === seen.gen && state.online ? state : undefined;
  }
}
