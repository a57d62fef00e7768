// Failures inside the backend, injected around the real store and the real management-API notifier: INTERNAL says
// nothing about internals and leaves the connection open; one failing recipient never stops the others; a
// connection whose close never reached the backend is found gone by a post and announced offline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../lambdas/protocol/index.js';
import { FaultInjection } from './support/fault-injection.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import { frameOf, messageEvent } from './support/wire.js';

const faults = new FaultInjection();
// The injected failures are logged as errors by design; keep the test output clean.
// A 410 within the grace period after $connect means "still opening", not gone (see connection-lifecycle.ts); the
// lost close below happens seconds after the connection opened, so the grace is 0 here.
const local = useLocalStack({
  logLevel: 'SILENT',
  ...faults.stackOptions,
  overrides: { ...faults.stackOptions.overrides, chatConfig: { connectGraceMs: 0 } },
});

beforeAll(() => faults.attach(local.stack));
afterAll(() => faults.detach());

const INTERNALS = ['ResourceNotFoundException', 'chat-local', '127.0.0.1', 'secret-detail', 'at ', '.ts'];

describe('faults', () => {
  it('a store failure is INTERNAL with the requestId, tells nothing about internals, and the connection stays open', async () => {
    const { client: a } = await local.connectNew('alice');
    const room = await local.createRoom(a);
    faults.storeFault = (method) =>
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
      faults.storeFault = undefined;
    }
    expect((await a.ack('getHistory', { roomId: room.roomId })).messages).toEqual([]);
  });

  it('sendMessage that cannot be stored is INTERNAL and broadcasts nothing; its retry stores it once', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    const fields = { roomId: room.roomId, clientMessageId: 'retry-me', content: 'first try fails' };
    faults.storeFault = () => new Error('ProvisionedThroughputExceededException: secret-detail');
    try {
      expect((await a.error('sendMessage', fields)).code).toBe('INTERNAL');
    } finally {
      faults.storeFault = undefined;
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
    const {
      user: bob,
      clients: [b1, b2],
    } = await local.devices('bob');
    const { user: carol, client: c } = await local.connectNew('carol');
    const room = await local.createRoom(a, [bob, carol]);
    // Connections are recorded in the order they opened: the first of Bob's is b1.
    const [broken] = faults.connectionIdsOf(bob.userId);
    expect(broken).toBeDefined();
    faults.failingRecipients = new Set([broken!]);
    try {
      const sent = (await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c1', content: 'to all' }))
        .message as Message;
      await c.waitFor(messageEvent(room.roomId, sent.id));
      await b2.waitFor(messageEvent(room.roomId, sent.id));
      await b1.expectNoFrame(messageEvent(room.roomId));
      // A failed post is not a gone connection: b1 stays subscribed and hears the next message.
      faults.failingRecipients = new Set();
      const next = (await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c2', content: 'again' }))
        .message as Message;
      await b1.waitFor(messageEvent(room.roomId, next.id));
    } finally {
      faults.failingRecipients = new Set();
    }
  });

  it('a connection whose close never reached the backend is found gone by a post and announced offline', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const { user: carol, client: c } = await local.connectNew('carol');
    const room = await local.createRoom(a, [bob, carol]);
    const [bobsConnection] = faults.connectionIdsOf(bob.userId);
    expect(bobsConnection).toBeDefined();

    // Its $disconnect fails, as if the close never reached the backend.
    await faults.loseDisconnect(bobsConnection!, () => b.close());
    await c.expectNoFrame(frameOf('presence', { userId: bob.userId }));

    // The next post to it gets 410 from the gateway: the backend removes it and Bob goes offline.
    await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c1', content: 'anyone there?' });
    const offline = await c.waitFor(frameOf('presence', { roomId: room.roomId, userId: bob.userId, isOnline: false }));
    expect(offline.lastSeenAt).toEqual(expect.any(String));
    const members = (await c.ack('listMembers', { roomId: room.roomId })).members as Array<{
      userId: string;
      isOnline: boolean;
    }>;
    expect(members.find((m) => m.userId === bob.userId)?.isOnline).toBe(false);
    const presence = await c.ack('getPresence', { roomId: room.roomId });
    expect((presence.online as Array<{ userId: string }>).map((u) => u.userId)).not.toContain(bob.userId);
  });
});
