// Who is in the soak: users with one or two raw connections, users on a churning SDK client, the rooms they share
// (a home room each, every fourth user in a second room too, so rooms overlap), and how many messages each
// connection sends. Pure: the same options give the same plan.

export interface PlanOptions {
  runId: string;
  rooms: number;
  /** All connections: raw ones plus churning SDK clients. */
  connections: number;
  /** How many of the connections are churning SDK clients (one per user). */
  churningClients: number;
  /** Raw users with two connections (two devices), so a sender's other device is among the recipients. */
  twoDeviceUsers: number;
  messages: number;
  /**
   * Exactly this many members in every room (users fill rooms round robin, some in two), instead of a home room each
   * and every fourth user in a second one.
   */
  membersPerRoom?: number;
}

export interface PlannedConnection {
  /** Unique label; also the prefix of its requestIds. */
  label: string;
  userId: string;
  kind: 'raw' | 'churning';
  /** Messages this connection sends. */
  messageCount: number;
}

export interface PlannedUser {
  userId: string;
  rooms: number[];
  connections: PlannedConnection[];
}

export interface PlannedRoom {
  index: number;
  memberIds: string[];
  /** The raw connection that creates the room (its user is the first raw member). */
  creator: PlannedConnection;
}

export interface SoakPlan {
  users: PlannedUser[];
  rooms: PlannedRoom[];
  connections: PlannedConnection[];
}

export function planSoak(options: PlanOptions): SoakPlan {
  const rawConnections = options.connections - options.churningClients;
  const rawUsers = rawConnections - options.twoDeviceUsers;
  if (rawUsers < options.rooms)
    throw new RangeError('every room needs a raw member to create it: more raw users than rooms');
  if (options.twoDeviceUsers > rawUsers) throw new RangeError('twoDeviceUsers: more than the raw users');

  const users: PlannedUser[] = [];
  const userCount = rawUsers + options.churningClients;
  for (let index = 0; index < userCount; index++) {
    const kind: PlannedConnection['kind'] = index < rawUsers ? 'raw' : 'churning';
    const userId = `soak-${options.runId}-${kind === 'raw' ? 'u' : 'c'}${index}`;
    const devices = kind === 'raw' && index < options.twoDeviceUsers ? 2 : 1;
    const connections = Array.from({ length: devices }, (_, device) => ({
      label: `${kind === 'raw' ? 'u' : 'c'}${index}${devices > 1 ? `d${device}` : ''}`,
      userId,
      kind,
      messageCount: 0,
    }));
    users.push({ userId, rooms: roomsOf(index, userCount, options), connections });
  }

  const connections = users.flatMap((user) => user.connections);
  // Round robin over every connection, so senders are many and their share is even.
  for (let n = 0; n < options.messages; n++) connections[n % connections.length]!.messageCount += 1;

  const rooms: PlannedRoom[] = Array.from({ length: options.rooms }, (_, index) => {
    const members = users.filter((user) => user.rooms.includes(index));
    const creatorUser = members.find((user) => user.connections[0]!.kind === 'raw');
    if (!creatorUser) throw new RangeError(`room ${index} has no raw member to create it`);
    if (members.length > 101) throw new RangeError(`room ${index}: more members than one createRoom can add`);
    return { index, memberIds: members.map((user) => user.userId), creator: creatorUser.connections[0]! };
  });
  return { users, rooms, connections };
}

/** The rooms of the index-th user. Overlapping rooms: a connection must hear both of its rooms and nothing else. */
function roomsOf(index: number, userCount: number, options: PlanOptions): number[] {
  const home = index % options.rooms;
  if (options.membersPerRoom === undefined) {
    const second = (index * 7 + 3) % options.rooms;
    return index % 4 === 3 && second !== home ? [home, second] : [home];
  }
  // Membership slot k goes to room k % rooms and user k % users: every room gets membersPerRoom members.
  const slots = options.rooms * options.membersPerRoom;
  if (slots < userCount || slots > 2 * userCount)
    throw new RangeError('membersPerRoom: every user in one or two rooms');
  const rooms = [];
  for (let slot = index; slot < slots; slot += userCount) rooms.push(slot % options.rooms);
  if (new Set(rooms).size !== rooms.length) throw new RangeError('membersPerRoom: a user would be in one room twice');
  return rooms;
}

/** Content that must arrive byte for byte: quotes, a backslash, a newline, markup, non-ASCII and an emoji. */
export function soakContent(label: string, n: number): string {
  return `${label} #${n} "quoted" \\ back\nslash </script> é 🚀`;
}
