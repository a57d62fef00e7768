// Records of the chat logic ↔ items of the table. Items carry their keys, the record's fields, and for expiring
// kinds both expiry attributes (expiresAtMs for logic, expiresAt in seconds for TTL); records never see either key
// or the seconds. Undefined optional fields are dropped here, whatever marshalling options the client was given.
import type { Message } from '../../protocol/index.js';
import type {
  ConnectionRecord,
  MemberRecord,
  PresenceState,
  ProfileRecord,
  RoomRecord,
  SubscriptionRecord,
  TypingRecord,
} from '../../chat/ports.js';
import { EXPIRES_AT_MS, expiryAttributes, keys } from './keys.js';
import type { Item } from './table.js';

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

const str = (item: Item, name: string): string => item[name] as string;
const num = (item: Item, name: string): number => item[name] as number;
const optionalStr = (item: Item, name: string): string | undefined =>
  typeof item[name] === 'string' ? (item[name] as string) : undefined;
const optionalNum = (item: Item, name: string): number | undefined =>
  typeof item[name] === 'number' ? (item[name] as number) : undefined;

export const profileFromItem = (item: Item): ProfileRecord =>
  defined({
    userId: str(item, 'userId'),
    displayName: str(item, 'displayName'),
    avatarUrl: optionalStr(item, 'avatarUrl'),
    lastSeenAt: optionalNum(item, 'lastSeenAt'),
    nameSetByUser: item.nameSetByUser === true,
  });

/** Absent attributes read as offline, counted 0, never live. */
export const presenceFromItem = (item: Item): PresenceState => ({
  online: item.online === true,
  gen: optionalNum(item, 'gen') ?? 0,
  liveUntil: optionalNum(item, 'liveUntil') ?? 0,
  ...(typeof item.leavingSince === 'number' && { leavingSince: item.leavingSince }),
});

/**
 * The connection item, its twin under the user (which lets presence list a user's connections) and its entry in a
 * sweep shard (which lets the sweeper find it).
 */
export function connectionItems(connection: ConnectionRecord): [Item, Item, Item] {
  const fields = {
    connectionId: connection.connectionId,
    userId: connection.userId,
    connectedAt: connection.connectedAt,
    ...expiryAttributes(connection.expiresAt),
  };
  const completed = defined({ connectCompletedAt: connection.connectCompletedAt });
  return [
    { ...keys.connection(connection.connectionId), ...fields, ...completed },
    { ...keys.userConnection(connection.userId, connection.connectionId), ...fields },
    { ...keys.sweepEntry(connection.connectionId), ...fields },
  ];
}

export const connectionFromItem = (item: Item): ConnectionRecord =>
  defined({
    connectionId: str(item, 'connectionId'),
    userId: str(item, 'userId'),
    connectedAt: num(item, 'connectedAt'),
    expiresAt: num(item, EXPIRES_AT_MS),
    connectCompletedAt: optionalNum(item, 'connectCompletedAt'),
  });

/** The room's lastSeq attribute is also its message counter (nextSeq adds to it). */
export const roomItem = (room: RoomRecord): Item => ({ ...keys.room(room.roomId), ...room });

export const roomFromItem = (item: Item): RoomRecord => ({
  roomId: str(item, 'roomId'),
  name: str(item, 'name'),
  kind: str(item, 'kind') as RoomRecord['kind'],
  createdBy: str(item, 'createdBy'),
  createdAt: num(item, 'createdAt'),
  lastSeq: num(item, 'lastSeq'),
});

export const memberItem = (roomId: string, member: MemberRecord): Item => ({
  ...keys.member(roomId, member.userId),
  ...keys.memberIndex(roomId, member.userId),
  roomId,
  userId: member.userId,
  joinedAt: member.joinedAt,
  lastReadSeq: member.lastReadSeq,
});

export const memberFromItem = (item: Item): MemberRecord => ({
  roomId: str(item, 'roomId'),
  userId: str(item, 'userId'),
  joinedAt: num(item, 'joinedAt'),
  lastReadSeq: num(item, 'lastReadSeq'),
});

export const subscriptionItem = (subscription: SubscriptionRecord): Item => ({
  ...keys.subscription(subscription.roomId, subscription.connectionId),
  roomId: subscription.roomId,
  connectionId: subscription.connectionId,
  userId: subscription.userId,
  muted: subscription.muted,
  ...expiryAttributes(subscription.expiresAt),
});

export const subscriptionFromItem = (item: Item): SubscriptionRecord => ({
  roomId: str(item, 'roomId'),
  connectionId: str(item, 'connectionId'),
  userId: str(item, 'userId'),
  expiresAt: num(item, EXPIRES_AT_MS),
  muted: item.muted === true,
});

const MESSAGE_FIELDS = [
  'id',
  'roomId',
  'seq',
  'senderId',
  'senderName',
  'senderAvatar',
  'content',
  'messageType',
  'attachmentUrl',
  'clientMessageId',
  'createdAt',
] as const satisfies readonly (keyof Message)[];

/** The message under its seq (history) or under its client message id (the de-duplicating claim). */
export const messageItem = (key: Item, message: Message): Item => ({ ...defined(message), ...key });

export function messageFromItem(item: Item): Message {
  const message: Partial<Record<keyof Message, unknown>> = {};
  for (const field of MESSAGE_FIELDS) if (item[field] !== undefined) message[field] = item[field];
  return message as Message;
}

export const typingItem = (record: TypingRecord): Item => ({
  ...keys.typing(record.roomId, record.userId),
  ...keys.typistIndex(record.roomId, record.userId),
  roomId: record.roomId,
  userId: record.userId,
  displayName: record.displayName,
  lastBroadcastAt: record.lastBroadcastAt,
  ...expiryAttributes(record.expiresAt),
});

export const typingFromItem = (item: Item): TypingRecord => ({
  roomId: str(item, 'roomId'),
  userId: str(item, 'userId'),
  displayName: str(item, 'displayName'),
  expiresAt: num(item, EXPIRES_AT_MS),
  lastBroadcastAt: num(item, 'lastBroadcastAt'),
});
