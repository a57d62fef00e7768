// $disconnect never delivered: the client's network dies (the TCP connection is cut, no close frame) and the
// $disconnect that follows never reaches the backend (its first write fails, as if the invocation was lost). The
// connection must stop counting as online once its expiresAt passes, and a post to it before then (410 from the
// gateway) must remove it and all its items. The stack runs with a 4-second maximum connection duration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../soak/lib/probe-socket.js';
import { startProbedStack, type ProbedStack } from '../soak/lib/probed-stack.js';
import { createInterceptedStore } from './support/intercepted-store.js';

const MAX_CONNECTION_S = 4;
const intercepted = createInterceptedStore();
let probed: ProbedStack;
let counter = 0;

beforeAll(async () => {
  // The lost $disconnect is logged as a failure by design; keep the output clean.
  // No grace period after $connect: the ghost connection is cut moments after it opened, and the 410 that finds it is
  // meant as "gone" (the grace that protects connections still being opened is tested in connect-race.test.ts).
  probed = await startProbedStack({
    logLevel: 'SILENT',
    maxConnectionS: MAX_CONNECTION_S,
    overrides: { stores: intercepted.stores, chatConfig: { connectGraceMs: 0 } },
  });
  intercepted.attach(probed.stack);
});

afterAll(async () => {
  await probed?.stop();
  intercepted.detach();
});

type Member = { userId: string; isOnline: boolean };

/**
 * A room of a creator and bob; bob's connection then dies and its $disconnect is lost. The creator stays connected
 * (and quiet): a new connection would announce its presence to the room, and that post would find the ghost.
 */
async function ghostInRoom() {
  counter += 1;
  const bobId = `ghost${counter}-bob`;
  const creatorId = `ghost${counter}-creator`;
  const creator = await probed.connect(creatorId);
  const connectedAt = Date.now();
  const bob = await probed.connect(bobId);
  const roomId = (
    (await creator.socket.ack('createRoom', { name: 'r', memberIds: [bobId] })).room as { roomId: string }
  ).roomId;
  await bob.socket.waitForEvent((f) => f.type === 'roomJoined');

  intercepted.hook = (method, args) =>
    method === 'deleteConnection' && args[1] === bob.connectionId ? new Error('lost') : undefined;
  bob.socket.terminate();
  const deadline = Date.now() + 3_000;
  while (!probed.gatewayEvents.some((e) => e.eventType === 'DISCONNECT' && e.connectionId === bob.connectionId)) {
    if (Date.now() > deadline) throw new Error('the gateway never ran $disconnect');
    await sleep(20);
  }
  await sleep(200);
  intercepted.hook = undefined;
  return { bobId, creatorId, creator: creator.socket, ghostId: bob.connectionId, roomId, connectedAt };
}

async function itemsOf(connectionId: string) {
  return (await probed.tableItems()).filter(
    (item) => String(item.pk).includes(connectionId) || String(item.sk).includes(connectionId),
  );
}

describe('a $disconnect that never reached the backend', () => {
  it('leaves the connection counted online only until its expiresAt', async () => {
    const { bobId, creatorId, creator, ghostId, roomId, connectedAt } = await ghostInRoom();
    expect((await itemsOf(ghostId)).length).toBeGreaterThan(0);
    // Before expiresAt the backend cannot know: the ghost counts.
    const before = (await creator.ack('listMembers', { roomId })).members as Member[];
    expect(before.find((m) => m.userId === bobId)?.isOnline).toBe(true);

    // A second device of the creator, opened late enough to outlive bob's expiresAt: when the gateway cuts the first
    // one, the creator is still online and no presence post goes to the room (it would find the ghost and remove it).
    await sleep(Math.max(0, connectedAt + (MAX_CONNECTION_S - 1) * 1000 - Date.now()));
    const watcher = (await probed.connect(creatorId, { label: `watcher-${counter}` })).socket;
    await creator.closed;
    await sleep(Math.max(0, connectedAt + MAX_CONNECTION_S * 1000 + 300 - Date.now()));
    try {
      const after = (await watcher.ack('listMembers', { roomId })).members as Member[];
      expect(after.find((m) => m.userId === bobId)?.isOnline).toBe(false);
      const presence = await watcher.ack('getPresence', { roomId });
      expect((presence.online as Member[]).map((u) => u.userId)).not.toContain(bobId);
      // Expiry did it, not a clean-up: the items are still there, for TTL to collect.
      expect((await itemsOf(ghostId)).length).toBeGreaterThan(0);
    } finally {
      await watcher.close();
    }
  });

  it('is cleaned up by the next post to it: 410, then all its items removed and its rooms told it is offline', async () => {
    const { bobId, creator, ghostId, roomId } = await ghostInRoom();
    const ghostItems = await itemsOf(ghostId);
    // The connection, its user's connection item and the subscription.
    expect(ghostItems.map((item) => String(item.sk).replace(/#.*/, '#')).sort()).toEqual(['CONN', 'CONN#', 'SUB#']);
    try {
      await creator.ack('sendMessage', { roomId, clientMessageId: 'anyone-there', content: 'anyone there?' });
      await creator.waitForEvent((f) => f.type === 'presence' && f.userId === bobId && f.isOnline === false);
      expect(await itemsOf(ghostId)).toEqual([]);
      const members = (await creator.ack('listMembers', { roomId })).members as Member[];
      expect(members.find((m) => m.userId === bobId)?.isOnline).toBe(false);
    } finally {
      await creator.close();
    }
  });
});
