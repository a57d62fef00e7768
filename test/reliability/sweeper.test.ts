// The sweeper: a connection whose $disconnect never reached the backend (see support/ghost-connection.ts) is found
// by the scheduled sweep, removed with all its items, and its user announced offline to their rooms once the offline
// grace period has passed, with nobody posting to it. The stack sweeps every second, with a grace of half a second.
import { describe, expect, it } from 'vitest';
import { useGhostStack } from './support/ghost-connection.js';

const SWEEP_PERIOD_MS = 1_000;
const OFFLINE_GRACE_MS = 500;
/**
 * The sweep that finds the ghost marks its user leaving; the first sweep after the grace period announces it. Two
 * periods and the grace, and generous slack for a shared, busy machine.
 */
const WITHIN_MS = 2 * SWEEP_PERIOD_MS + OFFLINE_GRACE_MS + 10_000;
const stack = useGhostStack({ sweepPeriodMs: SWEEP_PERIOD_MS, offlineGraceMs: OFFLINE_GRACE_MS });

type Member = { userId: string; isOnline: boolean };

describe('the sweeper', () => {
  it('announces a ghost connection offline within two sweeps and the grace period, and removes all its items', async () => {
    const { bobId, creator, ghostId, roomId } = await stack.ghostInRoom();
    try {
      // Nobody posts to the room: only the sweep can find the ghost.
      const offline = await creator.waitForEvent(
        (f) => f.type === 'presence' && f.userId === bobId && f.isOnline === false,
        WITHIN_MS,
      );
      expect(offline).toMatchObject({ type: 'presence', roomId, userId: bobId, isOnline: false });
      expect(await stack.itemsOf(ghostId)).toEqual([]);
      const members = (await creator.ack('listMembers', { roomId })).members as Member[];
      expect(members.find((m) => m.userId === bobId)?.isOnline).toBe(false);
    } finally {
      await creator.close();
    }
  });

  it('leaves open connections alone, sweep after sweep', async () => {
    const alice = await stack.probed.connect('sweep-alice');
    const bob = await stack.probed.connect('sweep-bob');
    try {
      const roomId = (
        (await alice.socket.ack('createRoom', { name: 'r', memberIds: ['sweep-bob'] })).room as {
          roomId: string;
        }
      ).roomId;
      await stack.probed.stack.sweeper.runNow();
      await stack.probed.stack.sweeper.runNow();
      expect((await stack.itemsOf(alice.connectionId)).length).toBe(4);
      expect(alice.socket.events.some(({ frame }) => frame.type === 'presence' && frame.isOnline === false)).toBe(
        false,
      );
      const members = (await alice.socket.ack('listMembers', { roomId })).members as Member[];
      expect(members.find((m) => m.userId === 'sweep-bob')?.isOnline).toBe(true);
    } finally {
      await alice.socket.close();
      await bob.socket.close();
    }
  });
});
