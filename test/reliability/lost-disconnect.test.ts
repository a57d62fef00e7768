// $disconnect never delivered: the client's network dies (the TCP connection is cut, no close frame) and the
// $disconnect that follows never reaches the backend (its first write fails, as if the invocation was lost). The
// connection must stop counting as online once its expiresAt passes, and a post to it before then (410 from the
// gateway) must remove it and all its items. The stack runs with a 4-second maximum connection duration.
import { describe, expect, it } from 'vitest';
import { sleep } from '../soak/lib/probe-socket.js';
import { useGhostStack } from './support/ghost-connection.js';

const MAX_CONNECTION_S = 4;
const stack = useGhostStack({ maxConnectionS: MAX_CONNECTION_S });
const ghost = stack.ghostInRoom;
const itemsOf = stack.itemsOf;

type Member = { userId: string; isOnline: boolean };

describe('a $disconnect that never reached the backend', () => {
  it('leaves the connection counted online only until its expiresAt', async () => {
    const { bobId, creatorId, creator, ghostId, roomId, connectedAt, counter } = await ghost();
    expect((await itemsOf(ghostId)).length).toBeGreaterThan(0);
    // Before expiresAt the backend cannot know: the ghost counts.
    const before = (await creator.ack('listMembers', { roomId })).members as Member[];
    expect(before.find((m) => m.userId === bobId)?.isOnline).toBe(true);

    // A second device of the creator, opened late enough to outlive bob's expiresAt: when the gateway cuts the first
    // one, the creator is still online and no presence post goes to the room (it would find the ghost and remove it).
    await sleep(Math.max(0, connectedAt + (MAX_CONNECTION_S - 1) * 1000 - Date.now()));
    const watcher = (await stack.probed.connect(creatorId, { label: `watcher-${counter}` })).socket;
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
    const { bobId, creator, ghostId, roomId } = await ghost();
    const ghostItems = await itemsOf(ghostId);
    // The connection, its user's connection item, its sweep entry and the subscription.
    expect(
      ghostItems.map((item) => `${String(item.pk).replace(/#.*/, '#')} ${String(item.sk).replace(/#.*/, '#')}`).sort(),
    ).toEqual(['CONN# CONN', 'ROOM# SUB#', 'SWEEP# CONN#', 'USER# CONN#']);
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
