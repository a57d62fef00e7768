// One local stack per test file, and helpers to make uniquely named users and connect them. Connections opened
// inside a test are closed after it; those opened in beforeAll live until the file ends.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Room } from '../../../lambdas/protocol/index.js';
import { startLocalStack, type LocalStackOptions } from '../../../local/stack.js';
import { HandshakeRefused, TestClient } from './test-client.js';

export type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

export interface TestUser {
  userId: string;
  /** The `name` claim of the user's tokens. */
  name: string;
}

export interface ConnectOptions {
  /** Extra or replacing token claims (a claim set to undefined is left out of the token). */
  claims?: Record<string, unknown>;
  /** Prefix of this connection's requestIds and of its diagnostics. */
  label?: string;
}

const REGISTRATION_BATCH = 10;

/** The connections of the concurrent test that is running in this async context (see fixture.it). */
const concurrentTestClients = new AsyncLocalStorage<TestClient[]>();

const violationsOf = (clients: TestClient[]): string[] =>
  clients.flatMap((client) => client.violations.map((v) => `${client.label}: ${v}`));

/** Runs a test body with its own list of connections, and closes and checks them when it ends. */
async function runWithOwnConnections(body: () => Promise<void>): Promise<void> {
  const clients: TestClient[] = [];
  try {
    await concurrentTestClients.run(clients, body);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
  expect(violationsOf(clients)).toEqual([]);
}

type CaseArgs<T> = T extends readonly unknown[] ? T : [T];

export const uniqueSuffix = (): string => randomBytes(5).toString('hex');

export function useLocalStack(options: Omit<LocalStackOptions, 'port' | 'dataDir'> = {}) {
  let stack: LocalStack | undefined;
  let testClients: TestClient[] | undefined;
  const fileClients: TestClient[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({ logLevel: 'WARN', ...options, port: 0, dataDir: null });
  });

  beforeEach(() => {
    testClients = [];
  });

  afterEach(async () => {
    const clients = testClients ?? [];
    testClients = undefined;
    await Promise.all(clients.map((client) => client.close()));
    expect(violationsOf(clients)).toEqual([]);
  });

  afterAll(async () => {
    await Promise.all(fileClients.map((client) => client.close()));
    await stack?.stop();
    expect(violationsOf(fileClients)).toEqual([]);
    // The management API checked the SigV4 signature of every post and close the handlers made: none was refused.
    if (stack && options.verifySignatures !== false) expect(stack.managementSignatures.refused).toBe(0);
  });

  const fixture = {
    get stack(): LocalStack {
      if (!stack) throw new Error('the local stack is not running');
      return stack;
    },

    /**
     * A test that runs concurrently with the other such tests of its file (they share nothing: every user, and so
     * every room, is new). Its connections are closed and checked when it ends.
     */
    it(name: string, body: () => Promise<void>, timeoutMs?: number): void {
      it.concurrent(name, () => runWithOwnConnections(body), timeoutMs);
    },

    /** it.each, concurrent in the same way as fixture.it. */
    each<T>(cases: readonly T[]) {
      return (name: string, body: (...args: CaseArgs<T>) => Promise<void>, timeoutMs?: number): void => {
        it.concurrent.each(cases as T[])(
          name,
          (...args: unknown[]) => runWithOwnConnections(() => body(...(args as CaseArgs<T>))),
          timeoutMs,
        );
      };
    },

    /** A user nobody else uses: its id carries a random suffix. */
    user(label = 'user'): TestUser {
      const suffix = uniqueSuffix();
      return { userId: `${label}-${suffix}`, name: `${label[0]!.toUpperCase()}${label.slice(1)} ${suffix}` };
    },

    async token(user: TestUser | string, claims: Record<string, unknown> = {}): Promise<string> {
      const sub = typeof user === 'string' ? user : user.userId;
      const name = typeof user === 'string' ? undefined : user.name;
      const minted = await fixture.stack.issuer.mint({ sub, name, ...claims } as Parameters<
        LocalStack['issuer']['mint']
      >[0]);
      return minted.token;
    },

    urlWithToken(token: string): string {
      return `${fixture.stack.wsUrl}/?token=${encodeURIComponent(token)}`;
    },

    /** Opens a connection to any URL of the stack and tracks it for closing. */
    async open(url: string, label = 'client'): Promise<TestClient> {
      const client = await TestClient.open(url, label);
      (concurrentTestClients.getStore() ?? testClients ?? fileClients).push(client);
      return client;
    },

    async connect(user: TestUser, connectOptions: ConnectOptions = {}): Promise<TestClient> {
      const token = await fixture.token(user, connectOptions.claims);
      return fixture.open(fixture.urlWithToken(token), connectOptions.label ?? user.userId.split('-')[0]);
    },

    /** Makes a user and connects it once; returns both. */
    async connectNew(label = 'user'): Promise<{ user: TestUser; client: TestClient }> {
      const user = fixture.user(label);
      return { user, client: await fixture.connect(user, { label }) };
    },

    /** One new user on several devices (connections labelled by initial and number: a1, a2, ...). */
    async devices(label: string, count = 2): Promise<{ user: TestUser; clients: TestClient[] }> {
      const user = fixture.user(label);
      const clients: TestClient[] = [];
      for (let i = 1; i <= count; i += 1) clients.push(await fixture.connect(user, { label: `${label[0]}${i}` }));
      return { user, clients };
    },

    /** Makes users that exist (have connected once, so others can name them) but have no open connection. */
    async registered(...labels: string[]): Promise<TestUser[]> {
      const users = labels.map((label) => fixture.user(label));
      // A few at a time: a hundred handshakes at once would only queue up in the one stack process.
      for (let i = 0; i < users.length; i += REGISTRATION_BATCH) {
        await Promise.all(
          users.slice(i, i + REGISTRATION_BATCH).map(async (user) => {
            // The gateway answers the upgrade only after $connect has run, so an open connection has a profile.
            const client = await TestClient.open(fixture.urlWithToken(await fixture.token(user)), 'registering');
            await client.close();
          }),
        );
      }
      return users;
    },

    /** The HTTP status the handshake is refused with; fails if the connection opens. */
    async refusal(url: string): Promise<number> {
      try {
        const client = await TestClient.open(url, 'refused');
        await client.close();
      } catch (error) {
        if (error instanceof HandshakeRefused) return error.statusCode;
        throw error;
      }
      throw new Error('the handshake was accepted');
    },

    async createRoom(creator: TestClient, members: TestUser[] = [], name = `room ${uniqueSuffix()}`): Promise<Room> {
      const ack = await creator.ack('createRoom', { name, memberIds: members.map((m) => m.userId) });
      return ack.room as Room;
    },
  };
  return fixture;
}

export type StackFixture = ReturnType<typeof useLocalStack>;
