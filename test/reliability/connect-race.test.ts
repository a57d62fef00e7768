// A broadcast that reaches a connection while its $connect is still running: the gateway cannot post to it yet and
// answers 410, as API Gateway does, and the backend removes the connection as gone. Found by the soak (clients
// reconnecting while their rooms were busy went deaf). Once the client speaks, the connection is proven open and
// must be whole again: subscribed to its rooms, counted online, hearing what is said.
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

/** Holds the late user's $connect at its last step (subscriptions written, presence not yet told) until released. */
function holdConnectOf(userId: string) {
  let release!: () => void;
  let reached!: () => void;
  const held = new Promise<void>((resolve) => (reached = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  intercepted.hook = async (method, args) => {
    if (method === 'listConnections' && args[0] === userId && first) {
      first = false;
      reached();
      await gate;
    }
    return undefined;
  };
  return { held, release };
}

async function connectionItemsOf(userId: string, connectionId: string) {
  const items = await probed.tableItems();
  return items.filter((item) => JSON.stringify(item).includes(connectionId) && item.userId === userId);
}

describe('a broadcast racing a $connect', () => {
  it('the connection found "gone" while connecting is whole again once it says hello, and hears the room live', async () => {
    const alice = await probed.connect('race-alice');
    const late = 'race-late';
    // The late user has connected before (only known users can be added), and is a member of the room.
    const earlier = await probed.connect(late);
    const room = (await alice.socket.ack('createRoom', { name: 'busy room', memberIds: [late] })).room as { roomId: string };
    await earlier.socket.close();
    await sleep(200);

    const hold = holdConnectOf(late);
    const opening = ProbeSocket.open(probed.urlWithToken(probed.tokenFor(late)), { label: 'late' });
    await hold.held;
    const lateConnectionId = probed.connectionsOf(late).at(-1)!;
    // The late connection is subscribed already, but the gateway has not opened it: this post gets 410.
    const during = (await alice.socket.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'during', content: 'said while connecting' }))
      .message as Message;
    await sleep(300);
    intercepted.hook = undefined;
    hold.release();
    const socket = await opening;
    try {
      const hello = await socket.ack('hello');
      // What was said while connecting is within the rooms' lastSeq, so a client catches it up with getHistory.
      const listed = (hello.rooms as Array<{ roomId: string; lastSeq: number }>).find((r) => r.roomId === room.roomId);
      expect(listed?.lastSeq).toBeGreaterThanOrEqual(during.seq);

      // The connection's items are back, and it counts as online.
      const items = await connectionItemsOf(late, lateConnectionId);
      expect(items.map((item) => String(item.sk).replace(/#.*/, '#')).sort()).toEqual(['CONN', 'CONN#', 'SUB#']);
      const members = (await alice.socket.ack('listMembers', { roomId: room.roomId })).members as Array<{ userId: string; isOnline: boolean }>;
      expect(members.find((m) => m.userId === late)?.isOnline).toBe(true);

      // And it hears the room.
      const after = (await alice.socket.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'after', content: 'said after hello' }))
        .message as Message;
      const heard = await socket.waitForEvent((frame) => frame.type === 'message' && (frame.message as Message).id === after.id);
      expect(heard.roomId).toBe(room.roomId);
      // Alice saw the late user go online again after the race took it away.
      const presence = alice.socket.eventsOf('presence').filter((frame) => frame.userId === late);
      expect(presence.at(-1)?.isOnline).toBe(true);
    } finally {
      await socket.close();
      await alice.socket.close();
    }
  });
});
