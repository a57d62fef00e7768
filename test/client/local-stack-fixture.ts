// Test fixture: the real local stack in memory, ChatClients on real `ws` sockets, and the means to hurt them
// (drop a connection through the management API, hold back tokens, lose frames on the client's side).
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { ChatClient } from '../../client/src/index.js';
import type {
  ChatClientEvents,
  ChatClientOptions,
  WebSocketConstructor,
  WebSocketLike,
} from '../../client/src/index.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack.js';
import { deleteConnectionOn } from '../support/management-call.js';

export interface StackFixture {
  stack: LocalStack;
  /** Open connection ids of a user, oldest first, as the gateway's $connect / $disconnect events report them. */
  connectionsOf(userId: string): string[];
  /** DELETE /@connections/<id>: the gateway closes the connection, as API Gateway does. */
  deleteConnection(connectionId: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startStackFixture(
  options: Omit<LocalStackOptions, 'port' | 'dataDir'> = {},
): Promise<StackFixture> {
  const open = new Map<string, string[]>();
  const stack = await startLocalStack({
    port: 0,
    dataDir: null,
    ...options,
    onIntegrationEvent: (event) => {
      const { eventType, connectionId, authorizer } = event.requestContext;
      const userId = String(authorizer?.userId ?? authorizer?.principalId);
      const ids = open.get(userId) ?? [];
      if (eventType === 'CONNECT') open.set(userId, [...ids, connectionId]);
      if (eventType === 'DISCONNECT')
        open.set(
          userId,
          ids.filter((id) => id !== connectionId),
        );
    },
  });
  return {
    stack,
    connectionsOf: (userId) => [...(open.get(userId) ?? [])],
    deleteConnection: (connectionId) => deleteConnectionOn(stack.httpUrl, connectionId),
    stop: () => stack.stop(),
  };
}

export interface SocketTap {
  /** Sees each text frame from the server; returning false drops it before the client sees it. */
  incoming?(data: string, socket: TappedWebSocket): boolean | void;
  /** Sees each frame the client sends. */
  outgoing?(data: string): void;
}

/** A real `ws` socket with a tap, to lose frames the way a flaky network does. */
export class TappedWebSocket implements WebSocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  private readonly inner: WebSocket;

  constructor(url: string, tap: SocketTap) {
    this.inner = new WebSocket(url);
    this.inner.onopen = (event) => this.onopen?.(event);
    this.inner.onclose = (event) => this.onclose?.(event);
    this.inner.onerror = (event) => this.onerror?.(event);
    this.inner.onmessage = (event) => {
      if (typeof event.data === 'string' && tap.incoming?.(event.data, this) === false) return;
      this.onmessage?.(event);
    };
    this.send = (data: string) => {
      tap.outgoing?.(data);
      this.inner.send(data);
    };
  }

  send: (data: string) => void;

  get readyState(): number {
    return this.inner.readyState;
  }

  close(code?: number, reason?: string): void {
    this.inner.close(code, reason);
  }

  /** The network dies: the TCP connection is cut without a close handshake. */
  terminate(): void {
    this.inner.terminate();
  }
}

export function tapped(tap: SocketTap): WebSocketConstructor {
  return class extends TappedWebSocket {
    constructor(url: string) {
      super(url, tap);
    }
  };
}

export interface TestUser {
  userId: string;
  name: string;
  client: ChatClient;
  /** How many times the client asked for a token. */
  tokenCalls(): number;
  /** Until the returned function is called, getToken does not answer: the user stays away. */
  holdTokens(): () => void;
}

export function uniqueUserId(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

export function createUser(
  fixture: StackFixture,
  label: string,
  options: Partial<Omit<ChatClientOptions, 'url' | 'getToken'>> = {},
  /** Another device of an existing user: pass their id. */
  userId = uniqueUserId(label),
): TestUser {
  const name = label[0]!.toUpperCase() + label.slice(1);
  let calls = 0;
  let gate: Promise<void> | undefined;
  const client = new ChatClient({
    url: fixture.stack.wsUrl,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    reconnectDelay: { initialMs: 20, maxMs: 200 },
    ...options,
    getToken: async () => {
      calls += 1;
      if (gate) await gate;
      return fixture.stack.issuer.mint({ sub: userId, name, ttlS: 600 }).token;
    },
  });
  return {
    userId,
    name,
    client,
    tokenCalls: () => calls,
    holdTokens() {
      let release!: () => void;
      gate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

/** Records every event of one type. */
export function record<K extends keyof ChatClientEvents>(client: ChatClient, type: K): ChatClientEvents[K][] {
  const seen: ChatClientEvents[K][] = [];
  client.on(type, (payload) => seen.push(payload));
  return seen;
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type UserOptions = Parameters<typeof createUser>[2];

/**
 * One local stack for a test file (started before its tests, stopped after them) and users whose clients are
 * closed after each test.
 */
export function useLocalStack(options: Omit<LocalStackOptions, 'port' | 'dataDir'> = {}) {
  let started: StackFixture | undefined;
  const users: TestUser[] = [];
  beforeAll(async () => {
    started = await startStackFixture(options);
  });
  afterEach(() => {
    for (const u of users.splice(0)) u.client.close();
  });
  afterAll(async () => {
    await started?.stop();
  });
  const context = {
    get fixture(): StackFixture {
      if (!started) throw new Error('the local stack is not started yet');
      return started;
    },
    user(label: string, userOptions?: UserOptions, userId?: string): TestUser {
      const created = createUser(context.fixture, label, userOptions, userId);
      users.push(created);
      return created;
    },
    /** Bob connects first (only users who have connected can be added), then Alice creates a room with him. */
    async pair(bobOptions?: UserOptions, aliceOptions?: UserOptions) {
      const bob = context.user('bob', bobOptions);
      const alice = context.user('alice', aliceOptions);
      await bob.client.connect();
      await alice.client.connect();
      const room = await alice.client.createRoom('a room for two', [bob.userId]);
      await waitFor(() => bob.client.room(room.roomId) !== undefined, 'bob hears of the room');
      return { alice, bob, roomId: room.roomId };
    },
  };
  return context;
}
