// The connect/disconnect scenarios of section 2 of the report (capacity-bench.ts), and the users they share with
// presence-costs.ts: a user in 1, 10 or 100 rooms of two, the other member (the partner) online in each, whose
// connections open in the default mode or in watch mode (PROTOCOL.md, "Watch mode").
// Each run of a scenario takes a user nobody has connected as yet, so its "connect" is a first connection and its
// "disconnect" the close of the user's only connection: the same user connecting again within the offline grace
// period would be a reconnect, a different (and much cheaper) operation, measured in a row of its own.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChatService } from '../../lambdas/chat/index.js';
import { connectionIdOf, roomItems, writeItems } from './seed.js';

export const JOIN_ROOM_COUNTS = [1, 10, 100] as const;
/** Fresh users are numbered across calls (the bench measures the scenarios at several totals in one table). */
let freshUsers = 0;

export const roomsLabel = (count: number): string => `user in ${count} room${count === 1 ? '' : 's'}`;

/** The `serial`-th user in `count` rooms; names of one length whatever the serial, so item sizes stay the same. */
export const joinerOf = (count: number, serial: number): string => `joiner-${count}-${String(serial).padStart(4, '0')}`;
const joinRoomOf = (userId: string, index: number): string => `join-${userId.slice('joiner-'.length)}-${index}`;

/** The joiner's rooms of two with the partner, whose connection is subscribed; the joiner has no connection yet. */
export function joinerItems(userId: string, count: number, partner: string, connectedAt: number) {
  return Array.from({ length: count }, (_, index) =>
    roomItems(joinRoomOf(userId, index), [partner, userId], connectedAt).filter(
      // Only the partner is connected: the joiner's subscriptions are what connecting (or subscribing) writes.
      (item) => !String(item.sk).includes(connectionIdOf(userId)),
    ),
  ).flat();
}

/** What the joiner's connections do, through the chat as the connect, disconnect and message routes pass them. */
export function joinerActions(userId: string, options: { watch: boolean; now: () => number }) {
  return {
    open: (chat: ChatService, connectionId: string) =>
      chat.onConnect({
        connectionId,
        userId,
        tokenDisplayName: userId,
        connectedAt: options.now(),
        ...(options.watch && { watch: true }),
      }),
    close: (chat: ChatService, connectionId: string) => chat.onDisconnect({ connectionId, userId }),
    /** The room the screen shows: a watch connection subscribes to it. */
    subscribe: (chat: ChatService, connectionId: string) =>
      chat.onFrame({
        connectionId,
        userId,
        connectedAt: options.now(),
        body: JSON.stringify({ action: 'subscribe', requestId: 's-1', roomId: joinRoomOf(userId, 0) }),
      }),
  };
}

export interface ScenarioSteps {
  prepare: () => Promise<unknown>;
  work: () => Promise<unknown>;
}

/**
 * Every scenario for every room count, each run with a fresh user seeded in `prepare` (unmeasured). `measure` runs
 * the steps `runs` times and returns the row; the rows come back in the order of the report.
 */
export async function measureConnectScenarios<Row>(deps: {
  chat: ChatService;
  setup: DynamoDBDocumentClient;
  tableName: string;
  partner: string;
  /** The scenario column, e.g. the connections in the table. */
  scenario: string;
  measure: (operation: string, scenario: string, steps: ScenarioSteps) => Promise<Row>;
}): Promise<Row[]> {
  const { chat } = deps;
  const now = () => Date.now();
  const rows: Row[] = [];
  for (const count of JOIN_ROOM_COUNTS) {
    const label = roomsLabel(count);
    /** A new user, seeded with their rooms, with one connection id after another. */
    const fresh = async (watch: boolean) => {
      const userId = joinerOf(count, (freshUsers += 1));
      await writeItems(deps.setup, deps.tableName, joinerItems(userId, count, deps.partner, now()));
      let connections = 0;
      return {
        ...joinerActions(userId, { watch, now }),
        next: () => `${connectionIdOf(userId)}-${(connections += 1)}`,
      };
    };
    let user: Awaited<ReturnType<typeof fresh>>;
    let current = '';
    const row = (operation: string, scenario: string, steps: ScenarioSteps) =>
      deps.measure(`${operation}, ${label}`, `${scenario}, ${deps.scenario}`, steps);
    rows.push(
      await row('connect', 'first connection', {
        prepare: async () => (user = await fresh(false)),
        work: () => user.open(chat, (current = user.next())),
      }),
      await row('disconnect', 'last connection: marks leaving', {
        prepare: async () => {
          user = await fresh(false);
          await user.open(chat, (current = user.next()));
        },
        work: () => user.close(chat, current),
      }),
      await row('reconnect', 'within the grace period', {
        prepare: async () => {
          user = await fresh(false);
          const previous = user.next();
          await user.open(chat, previous);
          await user.close(chat, previous);
        },
        work: () => user.open(chat, (current = user.next())),
      }),
      await row('connect (watch mode)', 'first connection', {
        prepare: async () => (user = await fresh(true)),
        work: () => user.open(chat, (current = user.next())),
      }),
      await row('subscribe to one room (watch mode)', 'the room on screen', {
        prepare: async () => {
          user = await fresh(true);
          await user.open(chat, (current = user.next()));
        },
        work: () => user.subscribe(chat, current),
      }),
      await row('disconnect (watch mode, one room watched)', 'last connection: marks leaving', {
        prepare: async () => {
          user = await fresh(true);
          await user.open(chat, (current = user.next()));
          await user.subscribe(chat, current);
        },
        work: () => user.close(chat, current),
      }),
    );
  }
  return rows;
}
