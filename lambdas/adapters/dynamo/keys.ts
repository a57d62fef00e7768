// Key material of the single table. Ids are user supplied (1–128 characters, '#' allowed), so every id is escaped
// before it goes into a key: '%' → '%25' and '#' → '%23'. An escaped id never contains '#', which keeps composite
// sort keys such as CMID#<senderId>#<clientMessageId> unambiguous (sender "a#b" + id "c" ≠ sender "a" + id "b#c").
// Escaping only those two characters (not encodeURIComponent) never throws, whatever the string holds.
import { createHash } from 'node:crypto';
import { SWEEP_SHARDS } from '../../chat/ports/connections.js';
import { TABLE_SCHEMA } from '../table-schema.js';

export const PK = TABLE_SCHEMA.partitionKey;
export const SK = TABLE_SCHEMA.sortKey;
export const GSI_PK = TABLE_SCHEMA.userIndex.partitionKey;
export const GSI_SK = TABLE_SCHEMA.userIndex.sortKey;
export const TTL_ATTRIBUTE = TABLE_SCHEMA.ttlAttribute;
/** The millisecond expiry that reads filter on; the TTL attribute (seconds) is only for garbage collection. */
export const EXPIRES_AT_MS = 'expiresAtMs';

export type ItemKey = Record<string, string>;

export const escapeId = (id: string): string => id.replace(/%/g, '%25').replace(/#/g, '%23');

/** Sort-key prefixes of the item kinds that are listed with begins_with. */
export const SK_PREFIX = {
  userConnection: 'CONN#',
  sweepEntry: 'CONN#',
  leaving: 'LEAVING#',
  pendingOccupancy: 'OCC#',
  member: 'MEMBER#',
  subscription: 'SUB#',
  message: 'MSG#',
  typing: 'TYPING#',
  onlineMark: 'ONLINE#',
  reactor: 'REACT#',
  device: 'DEVICE#',
  block: 'BLOCK#',
  blockedBy: 'BLOCKEDBY#',
} as const;

/** Wide enough for Number.MAX_SAFE_INTEGER, so string order of message sort keys is numeric order of seq. */
const SEQ_DIGITS = 16;
export const MAX_SEQ_KEY = '9'.repeat(SEQ_DIGITS);

export const userPk = (userId: string): string => `USER#${escapeId(userId)}`;
export const roomPk = (roomId: string): string => `ROOM#${escapeId(roomId)}`;
export const connectionPk = (connectionId: string): string => `CONN#${escapeId(connectionId)}`;
/**
 * Push tokens key their items by a hash: a token may be 512 characters (sort keys allow 1,024 bytes, but several
 * parts share one), and the hash never holds '#'.
 */
export const tokenKey = (token: string): string => createHash('sha256').update(token).digest('hex');
export const paddedSeq = (seq: number): string => String(seq).padStart(SEQ_DIGITS, '0');

const key = (pk: string, sk: string): ItemKey => ({ [PK]: pk, [SK]: sk });

export const keys = {
  profile: (userId: string) => key(userPk(userId), 'PROFILE'),
  presence: (userId: string) => key(userPk(userId), 'PRESENCE'),
  userConnection: (userId: string, connectionId: string) =>
    key(userPk(userId), `${SK_PREFIX.userConnection}${escapeId(connectionId)}`),
  connection: (connectionId: string) => key(connectionPk(connectionId), 'CONN'),
  occupancy: (roomId: string) => key(roomPk(roomId), 'OCCUPANCY'),
  onlineMark: (roomId: string, userId: string) => key(roomPk(roomId), `${SK_PREFIX.onlineMark}${escapeId(userId)}`),
  pendingOccupancy: (roomId: string) =>
    key(sweepPk(sweepShardOf(roomId)), `${SK_PREFIX.pendingOccupancy}${escapeId(roomId)}`),
  leaving: (userId: string) => key(sweepPk(sweepShardOf(userId)), `${SK_PREFIX.leaving}${escapeId(userId)}`),
  sweepEntry: (connectionId: string) =>
    key(sweepPk(sweepShardOf(connectionId)), `${SK_PREFIX.sweepEntry}${escapeId(connectionId)}`),
  room: (roomId: string) => key(roomPk(roomId), 'META'),
  member: (roomId: string, userId: string) => key(roomPk(roomId), `${SK_PREFIX.member}${escapeId(userId)}`),
  /** The byUser index's keys on a membership item: a user's rooms in one Query. */
  memberIndex: (roomId: string, userId: string): ItemKey => ({ [GSI_PK]: userPk(userId), [GSI_SK]: roomPk(roomId) }),
  subscription: (roomId: string, connectionId: string) =>
    key(roomPk(roomId), `${SK_PREFIX.subscription}${escapeId(connectionId)}`),
  message: (roomId: string, seq: number) => key(roomPk(roomId), `${SK_PREFIX.message}${paddedSeq(seq)}`),
  claim: (roomId: string, senderId: string, clientMessageId: string) =>
    key(roomPk(roomId), `CMID#${escapeId(senderId)}#${escapeId(clientMessageId)}`),
  typing: (roomId: string, userId: string) => key(roomPk(roomId), `${SK_PREFIX.typing}${escapeId(userId)}`),
  /** The emojis one user gave one message (outside the MSG# range, so history reads never meet them). */
  reactor: (roomId: string, seq: number, userId: string) =>
    key(roomPk(roomId), `${SK_PREFIX.reactor}${paddedSeq(seq)}#${escapeId(userId)}`),
  /** A user's device: in the user's partition, so listing them is one Query. */
  device: (userId: string, token: string) => key(userPk(userId), `${SK_PREFIX.device}${tokenKey(token)}`),
  /** Who a token is registered to: one item per token, so it can move from one user to another. */
  deviceOwner: (token: string) => key(`DEVICE#${tokenKey(token)}`, 'OWNER'),
  /** A push sent (or being sent) to one device about one message: in the user's partition, spread like the users. */
  pushed: (userId: string, roomId: string, seq: number, token: string) =>
    key(userPk(userId), `PUSHED#${escapeId(roomId)}#${paddedSeq(seq)}#${tokenKey(token)}`),
  /** Under the blocker: their list of blocks. */
  block: (blockerId: string, blockedId: string) => key(userPk(blockerId), `${SK_PREFIX.block}${escapeId(blockedId)}`),
  /** Under the blocked user: who blocked them, read by their broadcasts. */
  blockedBy: (blockedId: string, blockerId: string) =>
    key(userPk(blockedId), `${SK_PREFIX.blockedBy}${escapeId(blockerId)}`),
  /** One report per reporter and message, in the room's partition. */
  report: (roomId: string, seq: number, reporterId: string) =>
    key(roomPk(roomId), `REPORT#${paddedSeq(seq)}#${escapeId(reporterId)}`),
  /** How many reports the user filed in the clock hour starting at `windowStart`. */
  reportQuota: (userId: string, windowStart: number) => key(userPk(userId), `REPORTQUOTA#${paddedSeq(windowStart)}`),
  /**
   * The byUser index's keys on a typing item: a user's indicators in every room in one Query (ended with their last
   * connection). Its own partition value, so a user's memberships and indicators never mix.
   */
  typistIndex: (roomId: string, userId: string): ItemKey => ({
    [GSI_PK]: typistIndexPk(userId),
    [GSI_SK]: roomPk(roomId),
  }),
  /** The byUser index's keys on an "online here" mark: the rooms a watch-only user is marked in, in one Query. */
  onlineMarkIndex: (roomId: string, userId: string): ItemKey => ({
    [GSI_PK]: markedIndexPk(userId),
    [GSI_SK]: roomPk(roomId),
  }),
};

/** FNV-1a of the id (a connection's, or a leaving user's): the same shard for the same id in every process. */
export function sweepShardOf(id: string, shards = SWEEP_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index++) {
    hash ^= id.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

export const sweepPk = (shard: number): string => `SWEEP#${shard}`;

export const typistIndexPk = (userId: string): string => `TYPIST#${escapeId(userId)}`;
export const markedIndexPk = (userId: string): string => `MARKED#${escapeId(userId)}`;

/** DynamoDB's TTL attribute in epoch seconds, rounded up so TTL never deletes an item before its logical expiry. */
export const ttlSeconds = (expiresAtMs: number): number => Math.ceil(expiresAtMs / 1000);

/** The two expiry attributes every expiring item carries. */
export const expiryAttributes = (expiresAtMs: number): Record<string, number> => ({
  [EXPIRES_AT_MS]: expiresAtMs,
  [TTL_ATTRIBUTE]: ttlSeconds(expiresAtMs),
});
