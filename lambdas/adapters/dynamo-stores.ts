// The chat stores on one DynamoDB table (keys: ./table-schema.ts), one module per store in ./dynamo/. The same code
// runs on AWS and on dynalite, which has neither transactions nor TTL deletion, so:
// - no TransactWriteItems: multi-item writes are ordered so a failure leaves nothing visible (createRoom deletes
//   what it wrote), or are idempotent and safe to repeat (sendMessage's claim, then seq, then history put);
// - expiry is logic: every read of an expiring kind filters on expiresAtMs > now; the TTL attribute `expiresAt`
//   (epoch seconds) only collects garbage, late.
// No Scan anywhere: every list is a Query on one partition (or the byUser index), following pages.
//
// Items (ids escaped in keys, see ./dynamo/keys.ts), and the store that owns them:
//   USER#<user>  PROFILE                    profile                                                    profiles
//   USER#<user>  CONN#<connection>          the user's connections (presence across devices), expiring connections
//   CONN#<conn>  CONN                       the connection (userId), expiring                         connections
//   USER#<user>  PRESENCE                   online, gen (connects counted), liveUntil, leavingSince    presence
//   ROOM#<room>  META                       room; lastSeq is the message counter (messages.nextSeq)    rooms
//   ROOM#<room>  MEMBER#<user>              membership, lastReadSeq; gsi1pk USER#<user>, gsi1sk ROOM#  rooms
//   ROOM#<room>  SUB#<connection>           subscription (what fan-out reads), expiring                subscriptions
//   ROOM#<room>  MSG#<seq, 16 digits>       message history                                            messages
//   ROOM#<room>  CMID#<sender>#<client id>  the message first stored under that client message id      messages
//   ROOM#<room>  TYPING#<user>              typing indicator, expiring; gsi1pk TYPIST#<user>           typing
//   ROOM#<room>  OCCUPANCY                  online (members online), lastEventAt                       occupancy
//   USER#<user>  DEVICE#<token hash>        push device: platform, token, SNS endpoint                 devices
//   DEVICE#<token hash>  OWNER              the user a push token is registered to                     devices
//   USER#<user>  PUSHED#<room>#<seq>#<hash> a push claimed for one device and message, expiring        devices
//   USER#<user>  BLOCK#<blocked>            a block, on the blocker's side (their list)                blocks
//   USER#<user>  BLOCKEDBY#<blocker>        the same block, on the blocked user's side                 blocks
//   ROOM#<room>  REPORT#<seq>#<reporter>    a report of a message, with a snapshot of it               reports
//   USER#<user>  REPORTQUOTA#<hour start>   reports the user filed in that clock hour, expiring         reports
//   SWEEP#<n>    CONN#<connection>          the connection, for the sweeper, expiring                  connections
//   SWEEP#<n>    LEAVING#<user>             since: a user in the offline grace period                  presence
//   SWEEP#<n>    OCC#<room>                 a room whose occupancy change waits for its window         occupancy
// Keeping a room's members, subscriptions, history and typing in its one partition lets sendMessage read all it
// needs in one BatchGetItem (messages.getSendState) and getHistory read one key range.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChatStores } from '../chat/ports.js';
import { createBlockStore } from './dynamo/block-store.js';
import { createConnectionStore } from './dynamo/connection-store.js';
import { createDeviceStore } from './dynamo/device-store.js';
import { createMessageStore } from './dynamo/message-store.js';
import { createOccupancyStore } from './dynamo/occupancy-store.js';
import { createPresenceStore } from './dynamo/presence-store.js';
import { createProfileStore } from './dynamo/profile-store.js';
import { createReportStore } from './dynamo/report-store.js';
import { createRoomStore } from './dynamo/room-store.js';
import { createSubscriptionStore } from './dynamo/subscription-store.js';
import { createTable, type ConsumedCapacityListener } from './dynamo/table.js';
import { createTypingStore } from './dynamo/typing-store.js';

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** When given, every request asks for ReturnConsumedCapacity TOTAL and reports it here (benchmarks, cost model). */
  onConsumedCapacity?: ConsumedCapacityListener;
}

export function createDynamoStores(options: DynamoStoreOptions): ChatStores {
  const table = createTable(options);
  return {
    profiles: createProfileStore(table),
    connections: createConnectionStore(table),
    presence: createPresenceStore(table),
    rooms: createRoomStore(table),
    subscriptions: createSubscriptionStore(table),
    messages: createMessageStore(table),
    typing: createTypingStore(table),
    devices: createDeviceStore(table),
    blocks: createBlockStore(table),
    reports: createReportStore(table),
    occupancy: createOccupancyStore(table),
  };
}

export type { ConsumedCapacityListener } from './dynamo/table.js';
