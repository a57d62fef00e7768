// Records of the chat logic ↔ items of the table. Items carry their keys, the record's fields, and for expiring
// kinds both expiry attributes (expiresAtMs for logic, expiresAt in seconds for TTL); records never see either key
// or the seconds. Undefined optional fields are dropped here, whatever marshalling options the client was given.
import type { Message, MessageChange, MessageReaction, ReactionCount } from '../../protocol/index.js';
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
  ...(item.watchOnly === true && { watchOnly: true }),
});

/**
 * The connection item, its twin under the user (which lets presence list a user's connections) and its entry in a
 * sweep shard (which lets the sweeper find it, with the heartbeat it reads).
 */
export function connectionItems(connection: ConnectionRecord): [Item, Item, Item] {
  const fields = {
    connectionId: connection.connectionId,
    userId: connection.userId,
    connectedAt: connection.connectedAt,
    ...expiryAttributes(connection.expiresAt),
    ...(connection.watch && { watch: true }),
  };
  const completed = defined({ connectCompletedAt: connection.connectCompletedAt });
  return [
    { ...keys.connection(connection.connectionId), ...fields, ...completed },
    {
      ...keys.userConnection(connection.userId, connection.connectionId),
      ...fields,
      ...(connection.watching?.length && { watching: new Set(connection.watching) }),
    },
    { ...keys.sweepEntry(connection.connectionId), ...fields, ...defined({ heartbeatMs: connection.heartbeatMs }) },
  ];
}

export const connectionFromItem = (item: Item): ConnectionRecord =>
  defined({
    connectionId: str(item, 'connectionId'),
    userId: str(item, 'userId'),
    connectedAt: num(item, 'connectedAt'),
    expiresAt: num(item, EXPIRES_AT_MS),
    connectCompletedAt: optionalNum(item, 'connectCompletedAt'),
    heartbeatMs: optionalNum(item, 'heartbeatMs'),
    watch: item.watch === true ? true : undefined,
    // A string set; DynamoDB keeps no empty set (the last room removed removes the attribute).
    watching: item.watch === true && item.watching instanceof Set ? [...(item.watching as Set<string>)] : undefined,
  });

/** What a removed user-side connection item says of the rooms it heard. */
export function watchedRoomsOf(item: Item | undefined): string[] | undefined {
  if (item === undefined) return undefined;
  const connection = connectionFromItem(item);
  return connection.watch ? (connection.watching ?? []) : undefined;
}

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
  ...(member.pushMuted && { pushMuted: true }),
});

export const memberFromItem = (item: Item): MemberRecord => {
  const member: MemberRecord = {
    roomId: str(item, 'roomId'),
    userId: str(item, 'userId'),
    joinedAt: num(item, 'joinedAt'),
    lastReadSeq: num(item, 'lastReadSeq'),
  };
  if (item.pushMuted === true) member.pushMuted = true;
  return member;
};

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
  'replyTo',
  'editedAt',
  'deleted',
  'reactionsVersion',
] as const satisfies readonly (keyof Message)[];

/** The attribute holding a message's reaction counts: a map from emoji (validated, see protocol/emoji.ts) to count. */
export const REACTION_COUNTS = 'reactionCounts';

/** Most given first, then by emoji, so every reader lists them alike. */
export const byCountThenEmoji = (a: ReactionCount, b: ReactionCount): number =>
  b.count - a.count || (a.emoji < b.emoji ? -1 : a.emoji > b.emoji ? 1 : 0);

/** The counts above zero (a count taken back to zero may linger until it is removed). */
export function reactionCountsFromItem(item: Item): ReactionCount[] {
  const counts = item[REACTION_COUNTS];
  if (!counts || typeof counts !== 'object') return [];
  return Object.entries(counts as Record<string, unknown>)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] > 0)
    .map(([emoji, count]) => ({ emoji, count }))
    .sort(byCountThenEmoji);
}

/** The message under its seq (history) or under its client message id (the de-duplicating claim). */
export const messageItem = (key: Item, message: Message): Item => ({ ...defined(message), ...key });

/** A deleted message keeps no content: the empty string stands in, so `content` stays a string on the wire. */
export function messageFromItem(item: Item, myEmojis: ReadonlySet<string> = new Set()): Message {
  const message: Partial<Record<keyof Message, unknown>> = {};
  for (const field of MESSAGE_FIELDS) if (item[field] !== undefined) message[field] = item[field];
  if (message.deleted) message.content = '';
  const reactions: MessageReaction[] = reactionCountsFromItem(item).map((reaction) => ({
    ...reaction,
    reactedByMe: myEmojis.has(reaction.emoji),
  }));
  if (reactions.length > 0) message.reactions = reactions;
  return message as Message;
}

export const isChangeItem = (item: Item): boolean => typeof item.changeOf === 'number';

const CHANGE_FIELDS = [
  'roomId',
  'seq',
  'changeOf',
  'kind',
  'userId',
  'createdAt',
  'content',
  'emoji',
  'on',
  'reactions',
  'reactionsVersion',
] as const satisfies readonly (keyof MessageChange)[];

export const changeItem = (key: Item, change: MessageChange): Item => ({ ...defined(change), ...key });

export function changeFromItem(item: Item): MessageChange {
  const change: Partial<Record<keyof MessageChange, unknown>> = {};
  for (const field of CHANGE_FIELDS) if (item[field] !== undefined) change[field] = item[field];
  return change as MessageChange;
}

/** The emojis of a reactor item (a string set). */
export const emojisFromItem = (item: Item | undefined): Set<string> =>
  item?.emojis instanceof Set ? new Set([...(item.emojis as Set<unknown>)].map(String)) : new Set();

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
