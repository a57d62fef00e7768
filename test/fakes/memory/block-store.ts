// Blocks in memory: the blocker's side and the blocked user's side, as two records, like the DynamoDB store.
import type { BlockOutcome, BlockRecord, BlockStore, Page, PageRequest } from '../../../lambdas/chat/ports.js';
import { copy, key, pageOf, type MemoryTable } from './memory-table.js';

export class MemoryBlockStore implements BlockStore {
  constructor(private readonly table: MemoryTable) {}

  async blockUser(record: BlockRecord, maxBlocks: number): Promise<BlockOutcome> {
    await this.table.enter('blockUser');
    const existing = this.table.blocks.get(key(record.blockerId, record.blockedId));
    if (existing) {
      this.table.blockedBy.set(key(existing.blockedId, existing.blockerId), copy(existing));
      return { outcome: 'existing', record: copy(existing) };
    }
    if (this.blocksOf(record.blockerId).length >= maxBlocks) return { outcome: 'limit' };
    this.table.blockedBy.set(key(record.blockedId, record.blockerId), copy(record));
    this.table.blocks.set(key(record.blockerId, record.blockedId), copy(record));
    return { outcome: 'blocked', record: copy(record) };
  }

  async unblockUser(blockerId: string, blockedId: string): Promise<boolean> {
    await this.table.enter('unblockUser');
    const removed = this.table.blocks.delete(key(blockerId, blockedId));
    this.table.blockedBy.delete(key(blockedId, blockerId));
    return removed;
  }

  async listBlocked(blockerId: string, page: PageRequest): Promise<Page<BlockRecord>> {
    await this.table.enter('listBlocked');
    const entries = this.blocksOf(blockerId).map((block): [string, BlockRecord] => [block.blockedId, block]);
    return pageOf(entries, page, 'blocks', blockerId);
  }

  async blockedIdsOf(blockerId: string): Promise<string[]> {
    await this.table.enter('blockedIdsOf');
    return this.blocksOf(blockerId).map((block) => block.blockedId);
  }

  async blockersOf(userId: string): Promise<string[]> {
    await this.table.enter('blockersOf');
    return [...this.table.blockedBy.values()].filter((block) => block.blockedId === userId).map((b) => b.blockerId);
  }

  private blocksOf(blockerId: string): BlockRecord[] {
    return [...this.table.blocks.values()].filter((block) => block.blockerId === blockerId);
  }
}
