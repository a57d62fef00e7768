// The in-memory stores for the chat logic's unit tests, one per aggregate over one shared MemoryTable (see
// ./memory/). test/contract holds them to the same behaviour as the DynamoDB stores.
import type { ChatStores, StoreMethod } from '../../lambdas/chat/ports.js';
import { MemoryBlockStore } from './memory/block-store.js';
import { MemoryConnectionStore } from './memory/connection-store.js';
import { MemoryDeviceStore } from './memory/device-store.js';
import { MemoryMessageStore } from './memory/message-store.js';
import { MemoryOccupancyStore } from './memory/occupancy-store.js';
import { MemoryTable, type MemoryDump } from './memory/memory-table.js';
import { MemoryPresenceStore } from './memory/presence-store.js';
import { MemoryProfileStore } from './memory/profile-store.js';
import { MemoryReportStore } from './memory/report-store.js';
import { MemoryRoomStore } from './memory/room-store.js';
import { MemorySubscriptionStore } from './memory/subscription-store.js';
import { MemoryTypingStore } from './memory/typing-store.js';

export class MemoryStores implements ChatStores {
  private readonly table = new MemoryTable();
  readonly profiles = new MemoryProfileStore(this.table);
  readonly connections = new MemoryConnectionStore(this.table);
  readonly presence = new MemoryPresenceStore(this.table);
  readonly rooms = new MemoryRoomStore(this.table);
  readonly subscriptions = new MemorySubscriptionStore(this.table);
  readonly messages = new MemoryMessageStore(this.table);
  readonly typing = new MemoryTypingStore(this.table);
  readonly devices = new MemoryDeviceStore(this.table);
  readonly blocks = new MemoryBlockStore(this.table);
  readonly reports = new MemoryReportStore(this.table);
  readonly occupancy = new MemoryOccupancyStore(this.table);

  /**
   * Makes the next call of `method` reject with `error` (queued: call it twice to fail two calls), for tests of
   * what the chat logic does when a store fails half way. Nothing is written by the failed call.
   */
  failNext(method: StoreMethod, error: Error = new Error(`injected failure in ${method}`)): void {
    this.table.failNext(method, error);
  }

  /** Runs `step` when `method` is next called, before the call does anything (a request racing it). */
  interceptNext(method: StoreMethod, step: () => Promise<void>): void {
    this.table.interceptNext(method, step);
  }

  /** How many times `method` was called so far. */
  callsOf(method: StoreMethod): number {
    return this.table.calls.get(method) ?? 0;
  }

  /** Everything stored, as copies, for assertions on state (e.g. "nothing half-written"). */
  dump(): MemoryDump {
    return this.table.dump();
  }
}

export function createMemoryStores(): MemoryStores {
  return new MemoryStores();
}
