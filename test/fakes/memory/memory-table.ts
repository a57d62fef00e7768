// The state the in-memory stores share, as the DynamoDB stores share one table: some reads cross stores
// (getSendState reads the member and typing items, nextSeq counts on the room). It keeps the semantics of the
// DynamoDB stores (expiry filtering at `now`, one page per call with opaque cursors, conditional writes), and
// records are deep-copied in and out: a caller mutating what it passed or got back cannot change stored state.
import type { Message, MessageChange } from '../../../lambdas/protocol/index.js';
import { assertPageLimit, decodeCursor, encodeCursor } from '../../../lambdas/adapters/dynamo/cursor.js';
import type {
  BlockRecord,
  ConnectionRecord,
  DeviceRecord,
  MemberRecord,
  Page,
  PageRequest,
  PresenceState,
  ProfileRecord,
  ReportRecord,
  RoomRecord,
  StoreMethod,
  LeavingRecord,
  SubscriptionRecord,
  TypingRecord,
} from '../../../lambdas/chat/ports.js';

export const copy = <T>(value: T): T => structuredClone(value);

// Ids never contain control characters, so NUL cannot occur inside a component of a composite key.
export const key = (...parts: string[]): string => parts.join('\u0000');

type CursorScope =
  'members' | 'memberships' | 'subscriptions' | 'blocks' | 'sweep' | 'leaving' | 'occupancy' | 'marked';

// The same codec as the DynamoDB store: cursors from another listing or owner are refused the same way.
const cursorFor = (scope: CursorScope, owner: string, lastKey: string) =>
  encodeCursor({ scope, owner, after: lastKey });
const lastKeyOf = (cursor: string, scope: CursorScope, owner: string) =>
  decodeCursor(cursor, { scope: { equals: scope }, owner: { equals: owner }, after: { prefix: '' } }).after!;

/** Copies of the entries of `map` under `ids` that exist. */
export function copiesOf<T>(map: Map<string, T>, ids: readonly string[]): Map<string, T> {
  const found = new Map<string, T>();
  for (const id of ids) {
    const value = map.get(id);
    if (value !== undefined) found.set(id, copy(value));
  }
  return found;
}

/** One page of `entries` (sorted here by key), starting after the cursor's key. */
export function pageOf<T>(
  entries: Iterable<[string, T]>,
  request: PageRequest,
  scope: CursorScope,
  owner: string,
): Page<T> {
  assertPageLimit(request.limit);
  const after = request.cursor === undefined ? undefined : lastKeyOf(request.cursor, scope, owner);
  const sorted = [...entries]
    .filter(([entryKey]) => after === undefined || entryKey > after)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const taken = sorted.slice(0, request.limit);
  const cursorAfter = (index: number): string => cursorFor(scope, owner, taken[index]![0]);
  const page: Page<T> = { items: taken.map(([, item]) => copy(item)), cursorAfter };
  if (sorted.length > request.limit) page.cursor = cursorAfter(taken.length - 1);
  return page;
}

export interface MemoryDump {
  profiles: ProfileRecord[];
  connections: ConnectionRecord[];
  rooms: RoomRecord[];
  members: MemberRecord[];
  subscriptions: SubscriptionRecord[];
  messages: Message[];
  changes: MessageChange[];
  claims: Message[];
  typing: TypingRecord[];
  devices: DeviceRecord[];
  blocks: BlockRecord[];
  blockedBy: BlockRecord[];
  reports: ReportRecord[];
}

/** What a message item keeps beside its wire fields: its edits and its reaction counts. */
export interface MessageExtras {
  editSeq?: number;
  editSeqs: number[];
  /** emoji → count (a Map: emojis are client-chosen). */
  reactionCounts?: Map<string, number>;
  reactionsVersion?: number;
}

export class MemoryTable {
  readonly profiles = new Map<string, ProfileRecord>();
  readonly connections = new Map<string, ConnectionRecord>();
  /** By userId. */
  readonly presence = new Map<string, PresenceState>();
  /** The sweeper's entries of leaving users, by userId. */
  readonly leaving = new Map<string, LeavingRecord>();
  /** Members online, by roomId. */
  readonly occupancy = new Map<string, { online: number; lastEventAt?: number }>();
  /** key(roomId, userId) of the members counted online in a room; `findable` marks are listed by user. */
  readonly onlineMarks = new Map<string, { roomId: string; userId: string; findable: boolean }>();
  /** Rooms whose occupancy change waits for its window: when it was left. */
  readonly pendingOccupancy = new Map<string, number>();
  readonly rooms = new Map<string, RoomRecord>();
  /** key(roomId, userId) */
  readonly members = new Map<string, MemberRecord>();
  /** key(roomId, connectionId) */
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  /** key(roomId, senderId, clientMessageId) */
  readonly claims = new Map<string, Message>();
  /** key(roomId, seq): messages; a change under the same seq lives in `changes`, never both. */
  readonly messages = new Map<string, Message>();
  /** key(roomId, seq) */
  readonly changes = new Map<string, MessageChange>();
  /** key(roomId, seq) of the message */
  readonly messageExtras = new Map<string, MessageExtras>();
  /** key(roomId, seq, userId): the emojis the user gave the message */
  readonly reactors = new Map<string, Set<string>>();
  /** key(roomId, userId) */
  readonly typing = new Map<string, TypingRecord>();
  /** key(userId, token) */
  readonly devices = new Map<string, DeviceRecord>();
  /** token → the user it is registered to */
  readonly deviceOwners = new Map<string, string>();
  /** key(userId, roomId, seq, token) → expiresAt */
  readonly pushClaims = new Map<string, number>();
  /** key(blockerId, blockedId): the blocker's side of each block. */
  readonly blocks = new Map<string, BlockRecord>();
  /** key(blockedId, blockerId): the blocked user's side. */
  readonly blockedBy = new Map<string, BlockRecord>();
  /** key(roomId, seq, reporterId) */
  readonly reports = new Map<string, ReportRecord>();
  /** key(userId, windowStart): reports counted in that window. */
  readonly reportQuotas = new Map<string, number>();
  private readonly failures = new Map<StoreMethod, Error[]>();

  /** Queues a failure for the next call of `method` (see MemoryStores.failNext). */
  failNext(method: StoreMethod, error: Error): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(error);
    this.failures.set(method, queue);
  }

  /** Every store method starts here: it fails if a failure is queued for it, before anything is written. */
  async enter(method: StoreMethod): Promise<void> {
    // Always async, like the real store: callers cannot come to depend on synchronous completion.
    await Promise.resolve();
    const error = this.failures.get(method)?.shift();
    if (error) throw error;
  }

  dump(): MemoryDump {
    return copy({
      profiles: [...this.profiles.values()],
      connections: [...this.connections.values()],
      rooms: [...this.rooms.values()],
      members: [...this.members.values()],
      subscriptions: [...this.subscriptions.values()],
      messages: [...this.messages.values()],
      changes: [...this.changes.values()],
      claims: [...this.claims.values()],
      typing: [...this.typing.values()],
      devices: [...this.devices.values()],
      blocks: [...this.blocks.values()],
      blockedBy: [...this.blockedBy.values()],
      reports: [...this.reports.values()],
    });
  }
}
