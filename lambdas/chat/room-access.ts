// Membership checks, subscriptions and profiles, shared by the actions that name a room. Each helper takes only the
// store it reads or writes.
import type { RequestContext } from './context.js';
import { forbidden, notFound } from './errors.js';
import { mapWithConcurrency } from './paging.js';
import type {
  ChatStores,
  ConnectionRecord,
  ConnectionStore,
  MemberRecord,
  ProfileRecord,
  ProfileStore,
  RoomRecord,
  RoomStore,
  SubscriptionStore,
} from './ports.js';
import { subscriptionOf } from './records.js';
import type { ChatConfig } from './service.js';

/** The room and the user's membership; FORBIDDEN (one answer for both cases) when either is missing. */
export async function requireMembership(
  rooms: RoomStore,
  roomId: string,
  userId: string,
): Promise<{ room: RoomRecord; member: MemberRecord }> {
  const { room, member } = await rooms.getRoomAndMember(roomId, userId);
  if (!room || !member) throw forbidden();
  return { room, member };
}

/** The requesting connection as a record: its expiry follows from when the gateway opened it. */
export function requestingConnection(runtime: { config: ChatConfig }, request: RequestContext): ConnectionRecord {
  return {
    connectionId: request.connectionId,
    userId: request.userId,
    connectedAt: request.connectedAt,
    expiresAt: request.connectedAt + runtime.config.maxConnectionMs,
  };
}

/**
 * Every live connection of the users. `alsoConnection` is added when its user is among them: a request proves its
 * connection is open even if its connection item is missing.
 */
export async function liveConnectionsOf(
  connectionStore: ConnectionStore,
  userIds: readonly string[],
  now: number,
  alsoConnection?: ConnectionRecord,
): Promise<ConnectionRecord[]> {
  const perUser = await mapWithConcurrency(userIds, 16, (userId) => connectionStore.listConnections(userId, now));
  const connections = perUser.flat();
  if (
    alsoConnection &&
    userIds.includes(alsoConnection.userId) &&
    !connections.some((c) => c.connectionId === alsoConnection.connectionId)
  ) {
    connections.push(alsoConnection);
  }
  return connections;
}

/** Subscribes the connections that hear every room of their user; watch connections choose their rooms. */
export async function subscribeConnections(
  subscriptions: SubscriptionStore,
  roomId: string,
  connections: readonly ConnectionRecord[],
): Promise<void> {
  const hearingAll = connections.filter((connection) => connection.watch !== true);
  if (hearingAll.length > 0) {
    await subscriptions.putSubscriptions(hearingAll.map((connection) => subscriptionOf(roomId, connection)));
  }
}

/**
 * Undoes the joins of a request that failed half way: the subscriptions it wrote, then the memberships it wrote
 * (those carrying its `joinedAt`), so a retry adds, subscribes and tells those users afresh. Without it a retry
 * would find them members already and leave their connections deaf to the room. Best effort: the original error
 * is what the client hears.
 */
export async function undoJoins(
  stores: Pick<ChatStores, 'rooms' | 'subscriptions'>,
  roomId: string,
  userIds: readonly string[],
  joinedAt: number,
  subscribed: readonly ConnectionRecord[],
): Promise<void> {
  const { rooms, subscriptions } = stores;
  try {
    if (subscribed.length > 0) {
      await subscriptions.deleteSubscriptions(subscribed.map(({ connectionId }) => ({ roomId, connectionId })));
    }
    const members = await mapWithConcurrency(
      userIds,
      16,
      async (userId) => (await rooms.getRoomAndMember(roomId, userId)).member,
    );
    const joinedByThisRequest = members
      .filter((member) => member?.joinedAt === joinedAt)
      .map((member) => member!.userId);
    await mapWithConcurrency(joinedByThisRequest, 16, (userId) => rooms.removeMember(roomId, userId));
  } catch {
    // The original failure is reported; what stays behind is completed by the next attempt or expires.
  }
}

/** A profile for display even if its item is missing (every connection writes one, so this is a fallback only). */
export function profileOrPlaceholder(profiles: Map<string, ProfileRecord>, userId: string): ProfileRecord {
  return profiles.get(userId) ?? { userId, displayName: userId, nameSetByUser: false };
}

export async function loadProfile(profiles: ProfileStore, userId: string): Promise<ProfileRecord> {
  return profileOrPlaceholder(await profiles.getProfiles([userId]), userId);
}

/** The profiles of the named users; NOT_FOUND naming `field` and the first unknown id when any is missing. */
export async function requireProfiles(
  profileStore: ProfileStore,
  userIds: readonly string[],
  field: string,
): Promise<Map<string, ProfileRecord>> {
  if (userIds.length === 0) return new Map();
  const profiles = await profileStore.getProfiles(userIds);
  const missing = userIds.find((userId) => !profiles.has(userId));
  if (missing !== undefined) throw notFound(`${field}: no user ${JSON.stringify(missing)} has ever connected`);
  return profiles;
}
