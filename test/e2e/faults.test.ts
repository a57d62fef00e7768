// Failures inside the backend, injected around the real store and the real management-API notifier: INTERNAL says
// nothing about internals and leaves the connection open; one failing recipient never stops the others; a
// connection whose close never reached the backend is found gone by a post and announced offline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStore } from '../../lambdas/adapters/dynamo-store.js';
import { createManagementNotifier, type ManagementNotifier } from '../../lambdas/adapters/management-notifier.js';
import { documentClientFor } from '../../lambdas/adapters/wiring.js';
import type { ChatStore, Notifier } from '../../lambdas/chat/ports.js';
import type { Message } from '../../lambdas/protocol/index.js';
import { LOCAL_TABLE_NAME } from '../../local/stack.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import { sleep } from './support/test-client.js';
import { frameOf, messageEvent } from './support/wire.js';

type Fault = (method: string, args: unknown[]) => Error | undefined;

let realStore: ChatStore | undefined;
let realNotifier: ManagementNotifier | undefined;
let storeFault: Fault | undefined;
let failingRecipients = new Set<string>();
/** connectionId → userId of every connection the gateway opened, and the ids whose $disconnect has started. */
const connectionsOf = new Map<string, string>();
const disconnectsSeen = new Set<string>();

/** Calls through to the real store unless storeFault names an error for the call. */
const store = new Proxy({} as ChatStore, {
  get(_target, method) {
    if (typeof method !== 'string' || method === 'then') return undefined;
    return async (...args: unknown[]) => {
      const fault = storeFault?.(method, args);
      if (fault) throw fault;
      const target = realStore as unknown as Record<string, (...a: unknown[]) => unknown>;
      return target[method]!.apply(realStore, args);
    };
  },
});

const notifier: Notifier = {
  async post(connectionId, payload) {
    if (failingRecipients.has(connectionId)) throw new Error('socket hang up');
    return realNotifier!.post(connectionId, payload);
  },
  close: (connectionId) => realNotifier!.close(connectionId),
};

const local = useLocalStack({
  // The injected failures are logged as errors by design; keep the test output clean.
  logLevel: 'SILENT',
  overrides: { store, notifier },
  onIntegrationEvent: (event) => {
    const { eventType, connectionId, authorizer } = event.requestContext;
    if (eventType === 'CONNECT') connectionsOf.set(connectionId, String(authorizer.principalId));
    if (eventType === 'DISCONNECT') disconnectsSeen.add(connectionId);
  },
});

beforeAll(() => {
  const { config } = local.stack;
  realStore = createDynamoStore({ client: documentClientFor(config), tableName: LOCAL_TABLE_NAME });
  realNotifier = createManagementNotifier({ endpoint: local.stack.httpUrl, region: config.region, credentials: config.credentials });
});

afterAll(() => {
  realNotifier?.destroy();
});

const connectionIdsOf = (userId: string): string[] =>
  [...connectionsOf].filter(([, owner]) => owner === userId).map(([connectionId]) => connectionId);

const INTERNALS = ['ResourceNotFoundException', 'chat-local', '127.0.0.1', 'secret-detail', 'at ', '.ts'];

describe('faults', () => {
  it('a store failure is INTERNAL with the requestId, tells nothing about internals, and the connection stays open', async () => {
    const { client: a } = await local.connectNew('alice');
    const room = await local.createRoom(a);
    storeFault = (method) =>
      method === 'getMessages'
        ? new Error('ResourceNotFoundException: table chat-local at http://127.0.0.1:9/ (secret-detail)')
        : undefined;
    try {
      const error = await a.error('getHistory', { roomId: room.roomId });
      expect(error).toMatchObject({ type: 'error', code: 'INTERNAL', message: expect.any(String) });
      expect(error.requestId).toEqual(expect.any(String));
      for (const secret of INTERNALS) expect(error.message).not.toContain(secret);
      await a.ack('ping');
    } finally {
      storeFault = undefined;
    }
    expect((await a.ack('getHistory', { roomId: room.roomId })).messages).toEqual([]);
  });

  it('sendMessage that cannot be stored is INTERNAL and broadcasts nothing; its retry stores it once', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    const fields = { roomId: room.roomId, clientMessageId: 'retry-me', content: 'first try fails' };
    storeFault = () => new Error('ProvisionedThroughputExceededException: secret-detail');
    try {
      expect((await a.error('sendMessage', fields)).code).toBe('INTERNAL');
    } finally {
      storeFault = undefined;
    }
    await b.expectNoFrame(messageEvent(room.roomId));
    const stored = (await a.ack('sendMessage', fields)).message as Message;
    await b.waitFor(messageEvent(room.roomId, stored.id));
    const again = (await a.ack('sendMessage', fields)).message as Message;
    expect(again).toEqual(stored);
    const history = (await b.ack('getHistory', { roomId: room.roomId })).messages as Message[];
    expect(history.map((m) => m.clientMessageId)).toEqual(['retry-me']);
  });

  it('one recipient whose post fails does not stop the others', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, clients: [b1, b2] } = await local.devices('bob');
    const { user: carol, client: c } = await local.connectNew('carol');
    const room = await local.createRoom(a, [bob, carol]);
    // Connections are recorded in the order they opened: the first of Bob's is b1.
    const [broken] = connectionIdsOf(bob.userId);
    expect(broken).toBeDefined();
    failingRecipients = new Set([broken!]);
    try {
      const sent = (await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c1', content: 'to all' })).message as Message;
      await c.waitFor(messageEvent(room.roomId, sent.id));
      await b2.waitFor(messageEvent(room.roomId, sent.id));
      await b1.expectNoFrame(messageEvent(room.roomId));
      // A failed post is not a gone connection: b1 stays subscribed and hears the next message.
      failingRecipients = new Set();
      const next = (await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c2', content: 'again' })).message as Message;
      await b1.waitFor(messageEvent(room.roomId, next.id));
    } finally {
      failingRecipients = new Set();
    }
  });

  it('a connection whose close never reached the backend is found gone by a post and announced offline', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const { user: carol, client: c } = await local.connectNew('carol');
    const room = await local.createRoom(a, [bob, carol]);
    const [bobsConnection] = connectionIdsOf(bob.userId);
    expect(bobsConnection).toBeDefined();

    // $disconnect fails on its first write, as if it never reached the backend.
    storeFault = (_method, args) => (JSON.stringify(args).includes(bobsConnection!) ? new Error('lost') : undefined);
    try {
      await b.close();
      for (let waited = 0; !disconnectsSeen.has(bobsConnection!) && waited < 3_000; waited += 50) await sleep(50);
      expect(disconnectsSeen.has(bobsConnection!)).toBe(true);
      await sleep(200);
    } finally {
      storeFault = undefined;
    }
    await c.expectNoFrame(frameOf('presence', { userId: bob.userId }));

    // The next post to it gets 410 from the gateway: the backend removes it and Bob goes offline.
    await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c1', content: 'anyone there?' });
    const offline = await c.waitFor(frameOf('presence', { roomId: room.roomId, userId: bob.userId, isOnline: false }));
    expect(offline.lastSeenAt).toEqual(expect.any(String));
    const members = (await c.ack('listMembers', { roomId: room.roomId })).members as Array<{ userId: string; isOnline: boolean }>;
    expect(members.find((m) => m.userId === bob.userId)?.isOnline).toBe(false);
    const presence = await c.ack('getPresence', { roomId: room.roomId });
    expect((presence.online as Array<{ userId: string }>).map((u) => u.userId)).not.toContain(bob.userId);
  });
});
