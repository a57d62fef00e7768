// An in-memory ChatStore for the chat logic's unit tests. It keeps the semantics of the DynamoDB store (expiry
// filtering at `now`, one page per call with opaque cursors, conditional writes) so a test that passes here
// describes behaviour the real store has too; test/contract/chat-store-contract.ts holds both to that.
// Records are deep-copied in and out: a caller mutating what it passed or got back cannot change stored state.
import type { Message } from '../../lambdas/protocol/index.js';
import { assertPageLimit, decodeCursor, encodeCursor } from '../../lambdas/adapters/dynamo/cursor.js';
import type {
  ChatStore,
  ConnectionRecord,
  HistoryQuery,
  MemberRecord,
  Page,
  PageRequest,
  PresenceState,
  ProfileRecord,
  RoomRecord,
  SendState,
  SubscriptionRecord,
  TypingRecord,
} from '../../lambdas/chat/ports.js';

const copy = <T>(value: T): T => structuredClone(value);

// Ids never contain control characters, so NUL cannot occur inside a component of a composite key.
const key = (...parts: string[]): string => parts.join('\u0000');

type CursorScope = 'members' | 'memberships' | 'subscriptions';

// The same codec as the DynamoDB store: cursors from another listing or owner are refused the same way.
const cursorFor = (scope: CursorScope, owner: string, lastKey: string) =>
  encodeCursor({ scope, owner, after: lastKey });
const lastKeyOf = (cursor: string, scope: CursorScope, owner: string) =>
  decodeCursor(cursor, { scope: { equals: scope }, owner: { equals: owner }, after: { prefix: '' } }).after!;

/** Copies of the entries of `map` under `ids` that exist. */
function copiesOf<T>(map: Map<string, T>, ids: readonly string[]): Map<string, T> {
  const found = new Map<string, T>();
  for (const id of ids) {
    const value = map.get(id);
    if (value !== undefined) found.set(id, copy(value));
  }
  return found;
}

/** One page of `entries` (sorted here by key), starting after the cursor's key. */
function pageOf<T>(
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

type FailableMethod = keyof ChatStore;

export class MemoryChatStore implements ChatStore {
  private readonly profiles = new Map<string, ProfileRecord>();
  private readonly connections = new Map<string, ConnectionRecord>();
  private readonly presence = new Map<string, PresenceState>();
  private readonly rooms = new Map<string, RoomRecord>();
  /** key(roomId, userId) */
  private readonly members = new Map<string, MemberRecord>();
  /** key(roomId, connectionId) */
  private readonly subscriptions = new Map<string, SubscriptionRecord>();
  /** key(roomId, senderId, clientMessageId) */
  private readonly claims = new Map<string, Message>();
  /** key(roomId, seq) */
  private readonly messages = new Map<string, Message>();
  /** key(roomId, userId) */
  private readonly typing = new Map<string, TypingRecord>();
  private readonly failures = new Map<FailableMethod, Error[]>();

  /**
   * Makes the next call of `method` reject with `error` (queued: call it twice to fail two calls), for tests of
   * what the chat logic does when the store fails half way. Nothing is written by the failed call.
   */
  failNext(method: FailableMethod, error: Error = new Error(`injected failure in ${method}`)): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(error);
    this.failures.set(method, queue);
  }

  /** Everything stored, as copies, for assertions on state (e.g. "nothing half-written"). */
  dump(): {
    profiles: ProfileRecord[];
    connections: ConnectionRecord[];
    rooms: RoomRecord[];
    members: MemberRecord[];
    subscriptions: SubscriptionRecord[];
    messages: Message[];
    claims: Message[];
    typing: TypingRecord[];
  } {
    return copy({
      profiles: [...this.profiles.values()],
      connections: [...this.connections.values()],
      rooms: [...this.rooms.values()],
      members: [...this.members.values()],
      subscriptions: [...this.subscriptions.values()],
      messages: [...this.messages.values()],
      claims: [...this.claims.values()],
      typing: [...this.typing.values()],
    });
  }

  private async enter(method: FailableMethod): Promise<void> {
    // Always async, like the real store: callers cannot come to depend on synchronous completion.
    await Promise.resolve();
    const error = this.failures.get(method)?.shift();
    if (error) throw error;
  }

  // Profiles

  async ensureProfile(userId: string, tokenDisplayName: string): Promise<ProfileRecord> {
    await this.enter('ensureProfile');
    const existing = this.profiles.get(userId);
    if (!existing) {
      const created: ProfileRecord = { userId, displayName: tokenDisplayName, nameSetByUser: false };
      this.profiles.set(userId, created);
      return copy(created);
    }
    if (!existing.nameSetByUser) existing.displayName = tokenDisplayName;
    return copy(existing);
  }

  async getProfiles(userIds: readonly string[]): Promise<Map<string, ProfileRecord>> {
    await this.enter('getProfiles');
    return copiesOf(this.profiles, userIds);
  }

  async updateProfile(
    userId: string,
    changes: { displayName?: string; avatarUrl?: string | null },
  ): Promise<ProfileRecord> {
    await this.enter('updateProfile');
    const profile = this.profiles.get(userId) ?? { userId, displayName: userId, nameSetByUser: false };
    if (changes.displayName !== undefined) {
      profile.displayName = changes.displayName;
      profile.nameSetByUser = true;
    }
    if (changes.avatarUrl === null) delete profile.avatarUrl;
    else if (changes.avatarUrl !== undefined) profile.avatarUrl = changes.avatarUrl;
    this.profiles.set(userId, profile);
    return copy(profile);
  }

  async setLastSeen(userId: string, at: number): Promise<void> {
    await this.enter('setLastSeen');
    // Like the DynamoDB store: no profile is created by this (it would have no display name).
    const profile = this.profiles.get(userId);
    if (profile) profile.lastSeenAt = at;
  }

  // Connections

  async putConnection(connection: ConnectionRecord): Promise<void> {
    await this.enter('putConnection');
    this.connections.set(connection.connectionId, copy(connection));
  }

  async getConnection(connectionId: string): Promise<ConnectionRecord | undefined> {
    await this.enter('getConnection');
    const connection = this.connections.get(connectionId);
    return connection && copy(connection);
  }

  async deleteConnection(userId: string, connectionId: string): Promise<boolean> {
    await this.enter('deleteConnection');
    const connection = this.connections.get(connectionId);
    if (!connection || connection.userId !== userId) return false;
    this.connections.delete(connectionId);
    return true;
  }

  async listConnections(userId: string, now: number): Promise<ConnectionRecord[]> {
    await this.enter('listConnections');
    return [...this.connections.values()]
      .filter((connection) => connection.userId === userId && connection.expiresAt > now)
      .sort((a, b) => (a.connectionId < b.connectionId ? -1 : 1))
      .map(copy);
  }

  // Presence

  async markOnline(userId: string, liveUntil: number): Promise<PresenceState | undefined> {
    await this.enter('markOnline');
    const before = this.presence.get(userId);
    this.presence.set(userId, { online: true, gen: (before?.gen ?? 0) + 1, liveUntil });
    return before && copy(before);
  }

  async getPresence(userId: string): Promise<PresenceState | undefined> {
    await this.enter('getPresence');
    const state = this.presence.get(userId);
    return state && copy(state);
  }

  async settlePresence(userId: string, seen: PresenceState, liveUntil?: number): Promise<boolean> {
    await this.enter('settlePresence');
    const state = this.presence.get(userId);
    if (!state || state.gen !== seen.gen || !state.online) return false;
    if (liveUntil === undefined) state.online = false;
    else state.liveUntil = liveUntil;
    return true;
  }

  // Rooms and members

  async createRoom(room: RoomRecord, members: readonly MemberRecord[]): Promise<void> {
    await this.enter('createRoom');
    if (this.rooms.has(room.roomId)) throw new Error(`room ${room.roomId} already exists`);
    this.rooms.set(room.roomId, copy(room));
    for (const member of members) this.members.set(key(room.roomId, member.userId), copy({ ...member, roomId: room.roomId }));
  }

  async ensureRoom(
    room: RoomRecord,
    members: readonly MemberRecord[],
  ): Promise<{ room: RoomRecord; added: string[] }> {
    await this.enter('ensureRoom');
    if (!this.rooms.has(room.roomId)) this.rooms.set(room.roomId, copy(room));
    const added = this.addAbsentMembers(room.roomId, members);
    return { room: copy(this.rooms.get(room.roomId)!), added };
  }

  async getRoomAndMember(roomId: string, userId: string): Promise<{ room?: RoomRecord; member?: MemberRecord }> {
    await this.enter('getRoomAndMember');
    const result: { room?: RoomRecord; member?: MemberRecord } = {};
    const room = this.rooms.get(roomId);
    const member = this.members.get(key(roomId, userId));
    if (room) result.room = copy(room);
    if (member) result.member = copy(member);
    return result;
  }

  async getRooms(roomIds: readonly string[]): Promise<Map<string, RoomRecord>> {
    await this.enter('getRooms');
    return copiesOf(this.rooms, roomIds);
  }

  async addMembers(roomId: string, members: readonly MemberRecord[]): Promise<string[]> {
    await this.enter('addMembers');
    return this.addAbsentMembers(roomId, members);
  }

  private addAbsentMembers(roomId: string, members: readonly MemberRecord[]): string[] {
    const added: string[] = [];
    for (const member of members) {
      const memberKey = key(roomId, member.userId);
      if (this.members.has(memberKey)) continue;
      this.members.set(memberKey, copy({ ...member, roomId }));
      added.push(member.userId);
    }
    return added;
  }

  async removeMember(roomId: string, userId: string): Promise<boolean> {
    await this.enter('removeMember');
    return this.members.delete(key(roomId, userId));
  }

  async listMembers(roomId: string, page: PageRequest): Promise<Page<MemberRecord>> {
    await this.enter('listMembers');
    const entries = [...this.members.values()]
      .filter((member) => member.roomId === roomId)
      .map((member): [string, MemberRecord] => [member.userId, member]);
    return pageOf(entries, page, 'members', roomId);
  }

  async listMemberships(userId: string, page: PageRequest): Promise<Page<MemberRecord>> {
    await this.enter('listMemberships');
    const entries = [...this.members.values()]
      .filter((member) => member.userId === userId)
      .map((member): [string, MemberRecord] => [member.roomId, member]);
    return pageOf(entries, page, 'memberships', userId);
  }

  async advanceReadMarker(roomId: string, userId: string, seq: number): Promise<boolean> {
    await this.enter('advanceReadMarker');
    const member = this.members.get(key(roomId, userId));
    if (!member || member.lastReadSeq >= seq) return false;
    member.lastReadSeq = seq;
    return true;
  }

  // Subscriptions

  async putSubscriptions(subscriptions: readonly SubscriptionRecord[]): Promise<void> {
    await this.enter('putSubscriptions');
    for (const subscription of subscriptions) {
      this.subscriptions.set(key(subscription.roomId, subscription.connectionId), copy(subscription));
    }
  }

  async deleteSubscriptions(keys: readonly { roomId: string; connectionId: string }[]): Promise<void> {
    await this.enter('deleteSubscriptions');
    for (const { roomId, connectionId } of keys) this.subscriptions.delete(key(roomId, connectionId));
  }

  async listSubscriptions(roomId: string, now: number, page: PageRequest): Promise<Page<SubscriptionRecord>> {
    await this.enter('listSubscriptions');
    const entries = [...this.subscriptions.values()]
      .filter((subscription) => subscription.roomId === roomId && subscription.expiresAt > now)
      .map((subscription): [string, SubscriptionRecord] => [subscription.connectionId, subscription]);
    return pageOf(entries, page, 'subscriptions', roomId);
  }

  // Messages

  async getSendState(roomId: string, userId: string, clientMessageId: string): Promise<SendState> {
    await this.enter('getSendState');
    const state: SendState = {};
    const member = this.members.get(key(roomId, userId));
    const existing = this.claims.get(key(roomId, userId, clientMessageId));
    const typing = this.typing.get(key(roomId, userId));
    if (member) state.member = copy(member);
    if (existing) state.existing = copy(existing);
    // As stored, expired or not: the caller decides with its own clock (the port takes no `now` here).
    if (typing) state.typing = copy(typing);
    return state;
  }

  async nextSeq(roomId: string): Promise<number> {
    await this.enter('nextSeq');
    const room = this.rooms.get(roomId);
    if (!room) throw new Error(`room ${roomId} does not exist`);
    room.lastSeq += 1;
    return room.lastSeq;
  }

  async claimClientMessageId(message: Message): Promise<Message | undefined> {
    await this.enter('claimClientMessageId');
    const claimKey = key(message.roomId, message.senderId, message.clientMessageId);
    const existing = this.claims.get(claimKey);
    if (existing) return copy(existing);
    this.claims.set(claimKey, copy(message));
    return undefined;
  }

  async putMessageIfAbsent(message: Message): Promise<boolean> {
    await this.enter('putMessageIfAbsent');
    const messageKey = key(message.roomId, String(message.seq));
    if (this.messages.has(messageKey)) return false;
    this.messages.set(messageKey, copy(message));
    return true;
  }

  async getMessages(roomId: string, query: HistoryQuery): Promise<{ messages: Message[]; hasMore: boolean }> {
    await this.enter('getMessages');
    assertPageLimit(query.limit);
    if (query.before !== undefined && query.after !== undefined) {
      throw new RangeError('getMessages: before and after cannot be combined');
    }
    const inRoom = [...this.messages.values()].filter((message) => message.roomId === roomId);
    let window: Message[];
    let hasMore: boolean;
    if (query.after !== undefined) {
      const after = query.after;
      const newer = inRoom.filter((message) => message.seq > after).sort((a, b) => a.seq - b.seq);
      window = newer.slice(0, query.limit);
      hasMore = newer.length > query.limit;
    } else {
      const before = query.before;
      const older = inRoom
        .filter((message) => before === undefined || message.seq < before)
        .sort((a, b) => b.seq - a.seq);
      window = older.slice(0, query.limit).reverse();
      hasMore = older.length > query.limit;
    }
    return { messages: window.map(copy), hasMore };
  }

  // Typing

  async startTyping(record: TypingRecord, now: number, rebroadcastAfterMs: number): Promise<boolean> {
    await this.enter('startTyping');
    const typingKey = key(record.roomId, record.userId);
    const existing = this.typing.get(typingKey);
    const broadcast =
      !existing || existing.expiresAt <= now || existing.lastBroadcastAt <= now - rebroadcastAfterMs;
    if (broadcast) {
      // The broadcast happens now, whatever the caller put in record.lastBroadcastAt.
      this.typing.set(typingKey, copy({ ...record, lastBroadcastAt: now }));
      return true;
    }
    existing.expiresAt = record.expiresAt;
    return false;
  }

  async stopTyping(roomId: string, userId: string, now: number): Promise<TypingRecord | undefined> {
    await this.enter('stopTyping');
    const typingKey = key(roomId, userId);
    const existing = this.typing.get(typingKey);
    this.typing.delete(typingKey);
    return existing && existing.expiresAt > now ? copy(existing) : undefined;
  }

  async listTyping(roomId: string, now: number): Promise<TypingRecord[]> {
    await this.enter('listTyping');
    return [...this.typing.values()]
      .filter((record) => record.roomId === roomId && record.expiresAt > now)
      .sort((a, b) => (a.userId < b.userId ? -1 : 1))
      .map(copy);
  }
}

export function createMemoryStore(): MemoryChatStore {
  return new MemoryChatStore();
}
