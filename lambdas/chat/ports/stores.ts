// The stores together, one per aggregate: built once by the wiring (DynamoDB) or the test harness (in memory).
// Each part of the chat logic names the ones it uses (Pick<ChatStores, ...>) and is handed nothing else.
import type { BlockStore } from './blocks.js';
import type { ConnectionStore } from './connections.js';
import type { DeviceStore } from './devices.js';
import type { MessageStore } from './messages.js';
import type { OccupancyStore } from './occupancy.js';
import type { PresenceStore } from './presence.js';
import type { ProfileStore } from './profiles.js';
import type { ReportStore } from './reports.js';
import type { RoomStore } from './rooms.js';
import type { SubscriptionStore } from './subscriptions.js';
import type { TypingStore } from './typing.js';

/**
 * Every read filters out records whose expiresAt has passed (DynamoDB TTL deletes late, dynalite never): expiry is
 * logic here, TTL deletion only garbage collection. No method scans; list methods follow one page per call.
 */
export interface ChatStores {
  profiles: ProfileStore;
  connections: ConnectionStore;
  presence: PresenceStore;
  rooms: RoomStore;
  subscriptions: SubscriptionStore;
  messages: MessageStore;
  typing: TypingStore;
  devices: DeviceStore;
  blocks: BlockStore;
  reports: ReportStore;
  occupancy: OccupancyStore;
}

/** A method name of any store (the names are unique across stores). */
export type StoreMethod = { [K in keyof ChatStores]: keyof ChatStores[K] & string }[keyof ChatStores];
