// A broadcast that reaches a connection while its $connect is still running: the gateway cannot post to it yet and
// answers 410, as API Gateway does. Found by the soak (clients reconnecting while their rooms were busy went deaf,
// and stayed deaf unless they said hello). Such a 410 must remove nothing: the connection opens subscribed to its
// rooms and hears them, whether or not it ever sends a frame. These clients are raw WebSockets that never say hello.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../lambdas/protocol/index.js';
import { ProbeSocket, sleep } from '../soak/lib/probe-socket.js';
import { startProbedStack, type ProbedStack } from '../soak/lib/probed-stack.js';
import { createInterceptedStore } from './support/intercepted-store.js';

const intercepted = createInterceptedStore();
let probed: ProbedStack;

beforeAll(async () => {
  probed = await startProbedStack({ overrides: { stores: intercepted.stores } });
  intercepted.attach(probed.stack);
});

afterAll(async () => {
  await probed?.stop();
  intercepted.detach();
});

/** Users who have connected once (so they can be added to rooms), in a new room with `sender`. */
async function roomOf(sender: ProbeSocket, userIds: string[]): Promise<string> {
  for (const userId of userIds) await (await probed.connect(userId)).socket.close();
  const ack = await sender.ack('createRoom', { name: 'busy room', memberIds: userIds });
  await sleep(200);
  return (ack.room as { roomId: string }).roomId;
}

async function connectionItemsOf(connectionId: string) {
  const items = await probed.tableItems();
  return items
    .filter((item) => item.connectionId === connectionId)
    .map((item) => `${String(item.pk).replace(/#.*/, '#')} ${String(item.sk).replace(/#.*/, '#')}`)
    .sort();
}

describe('a broadcast racing a $connect', () => {
  it('removes nothing: the connection opens whole and hears the room without saying anything', async () => {
    const alice = await probed.connect('race-alice');
    const late = 'race-late';
    const roomId = await roomOf(alice.socket, [late]);

    // Hold the late user's $connect at its last step (subscribed, online, not yet marked complete).
    let release!: () => void;
    let reached!: () => void;
    const held = new Promise<void>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    intercepted.hook = async (method, args) => {
      if (method === 'markConnectCompleted' && probed.connectionsOf(late).includes(args[0] as string)) {
        intercepted.hook = undefined;
        reached();
        await gate;
      }
      return undefined;
    };
    const opening = ProbeSocket.open(probed.urlWithToken(probed.tokenFor(late)), { label: 'late' });
    await held;
    const lateConnectionId = probed.connectionsOf(late).at(-1)!;
    // The late connection is subscribed already, but the gateway has not opened it: this post gets 410.
    const during = (
      await alice.socket.ack('sendMessage', { roomId, clientMessageId: 'during', content: 'said while connecting' })
    ).message as Message;
    await sleep(300);
    expect(await connectionItemsOf(lateConnectionId)).toEqual([
      'CONN# CONN',
      'ROOM# SUB#',
      'SWEEP# CONN#',
      'USER# CONN#',
    ]);
    release();
    const socket = await opening;
    try {
      expect(await connectionItemsOf(lateConnectionId)).toEqual([
        'CONN# CONN',
        'ROOM# SUB#',
        'SWEEP# CONN#',
        'USER# CONN#',
      ]);
      // Nobody heard the late user go offline: only the online of its connect.
      const presence = alice.socket.eventsOf('presence').filter((frame) => frame.userId === late);
      expect(presence.map((frame) => frame.isOnline)).toEqual([false, true]);

      const after = (
        await alice.socket.ack('sendMessage', { roomId, clientMessageId: 'after', content: 'said after opening' })
      ).message as Message;
      const heard = await socket.waitForEvent(
        (frame) => frame.type === 'message' && (frame.message as Message).id === after.id,
      );
      expect(heard.roomId).toBe(roomId);
      // What was said while it connected lies in the history, for a client that catches up.
      const history = await socket.ack('getHistory', { roomId, after: during.seq - 1 });
      expect((history.messages as Message[]).map((m) => m.id)).toEqual([during.id, after.id]);
    } finally {
      await socket.close();
      await alice.socket.close();
    }
  });

  it('connections opened while the room is busy all hear every message sent after they opened', async () => {
    const sender = await probed.connect('busy-sender');
    const userIds = Array.from({ length: 15 }, (_, i) => `busy-listener-${i}`);
    const roomId = await roomOf(sender.socket, userIds);
    // Each $connect's last step takes a little longer, so broadcasts land in the window on every connect.
    const newConnections = new Set<string>();
    let goneChecks = 0;
    intercepted.hook = async (method, args) => {
      if (method === 'markConnectCompleted') {
        newConnections.add(args[0] as string);
        await sleep(120);
      }
      // removeGone reads the connection before it decides; raw clients never say hello (which reads it too).
      if (method === 'getConnection' && newConnections.has(args[0] as string)) goneChecks += 1;
      return undefined;
    };

    const sent: Array<{ seq: number; startedAt: number }> = [];
    let streaming = true;
    const stream = (async () => {
      for (let i = 0; streaming; i += 1) {
        const startedAt = Date.now();
        const ack = await sender.socket.ack('sendMessage', { roomId, clientMessageId: `s${i}`, content: `busy ${i}` });
        sent.push({ seq: (ack.message as Message).seq, startedAt });
        await sleep(50);
      }
    })();
    const listeners: Array<{ socket: ProbeSocket; openedAt: number }> = [];
    try {
      for (const userId of userIds) {
        const socket = await ProbeSocket.open(probed.urlWithToken(probed.tokenFor(userId)), { label: userId });
        listeners.push({ socket, openedAt: Date.now() });
        await sleep(100);
      }
      await sleep(1_000);
    } finally {
      streaming = false;
      await stream;
      intercepted.hook = undefined;
    }
    const last = sent.at(-1)!.seq;
    try {
      expect(goneChecks).toBeGreaterThan(0); // the race happened
      // Until the last message has reached every listener that hears the room (a deaf one never gets it).
      await Promise.all(
        listeners.map(({ socket }) =>
          socket
            .waitForEvent((frame) => frame.type === 'message' && (frame.message as Message).seq === last)
            .catch(() => undefined),
        ),
      );
      const deaf: string[] = [];
      for (const [index, { socket, openedAt }] of listeners.entries()) {
        const expected = sent.filter((s) => s.startedAt > openedAt).map((s) => s.seq);
        expect(expected.length).toBeGreaterThan(0);
        const heard = new Set(socket.eventsOf('message').map((frame) => (frame.message as Message).seq));
        if (expected.some((seq) => !heard.has(seq))) deaf.push(userIds[index]!);
      }
      expect(deaf).toEqual([]);
    } finally {
      await Promise.all(listeners.map(({ socket }) => socket.close()));
      await sender.socket.close();
    }
  }, 60_000);
});
