// Who blocked whom. Each block is two records: one under the blocker (their list, and what hides history from them)
// and one under the blocked user (what a broadcast of theirs reads: "who blocked the sender", in one call).
import type { Page, PageRequest } from './paging.js';

export interface BlockRecord {
  blockerId: string;
  blockedId: string;
  blockedAt: number;
}

export type BlockOutcome =
  /** Both records written now. */
  | { outcome: 'blocked'; record: BlockRecord }
  /** Blocked before (the record as stored; a half-written block is completed). */
  | { outcome: 'existing'; record: BlockRecord }
  /** The blocker has `maxBlocks` blocks already: nothing written. */
  | { outcome: 'limit' };

export interface BlockStore {
  /**
   * Blocks, idempotently. Writes the blocked user's record first and the blocker's last, and unblockUser removes them
   * in the reverse order, so a block the blocker's list shows is always in force on both sides; a write that failed
   * half way leaves at most the blocked user's record, which the retry (of either action) completes or removes.
   * Racing blocks by one blocker may pass `maxBlocks` by the number racing.
   */
  blockUser(record: BlockRecord, maxBlocks: number): Promise<BlockOutcome>;
  /** Removes both records; true when the blocker's record was there. */
  unblockUser(blockerId: string, blockedId: string): Promise<boolean>;
  /** The blocker's blocks, one page per call (in an order of the store's own, stable across pages). */
  listBlocked(blockerId: string, page: PageRequest): Promise<Page<BlockRecord>>;
  /** Every user the blocker blocked (at most about maxBlocks): what history and presence hide from them. */
  blockedIdsOf(blockerId: string): Promise<string[]>;
  /** Every user who blocked `userId`: whom a broadcast carrying that user's activity skips. */
  blockersOf(userId: string): Promise<string[]>;
}
