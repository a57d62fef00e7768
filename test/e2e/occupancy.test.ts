// PROTOCOL.md "occupancy": getPresence's onlineCount and the `occupancy` event count the room's members online, each
// user once however many devices they have, and stay right when many devices connect and close at the same moment.
// The stack sweeps every 300 ms, so a change left pending inside a one-second window is told soon after it.
import { describe, expect } from 'vitest';
import { useLocalStack, type TestUser } from './support/local-stack-fixture.js';
import { sleep, type TestClient } from './support/test-client.js';

const local = useLocalStack({ sweepPeriodMs: 300 });
const USERS = 6;
const DEVICES = 3;

async function countSettlesAt(watcher: TestClient, roomId: string, expected: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const count = (await watcher.ack('getPresence', { roomId })).onlineCount;
    if (count === expected) return;
    if (Date.now() > deadline) throw new Error(`onlineCount stayed ${String(count)}, expected ${expected}`);
    await sleep(200);
  }
}

/** The count the last occupancy event the watcher received told (after the window and a sweep have passed). */
async function lastToldCount(watcher: TestClient, roomId: string, expected: number): Promise<number | undefined> {
  const deadline = Date.now() + 20_000;
  let last: number | undefined;
  for (;;) {
    for (;;) {
      const event = await watcher
        .waitFor((f) => f.type === 'occupancy' && f.roomId === roomId, 100)
        .catch(() => undefined);
      if (!event) break;
      last = event.onlineCount as number;
    }
    if (last === expected || Date.now() > deadline) return last;
  }
}

describe('occupancy', () => {
  local.it(
    'counts each online member once under concurrent connects and closes of many devices, and tells the room',
    async () => {
      const { user: watcherUser, client: watcher } = await local.connectNew('watcher');
      const members: TestUser[] = await local.registered(...Array.from({ length: USERS }, (_, i) => `member${i}`));
      const room = await local.createRoom(watcher, members);
      await countSettlesAt(watcher, room.roomId, 1);

      // Every member on three devices, all opening at once.
      const devices = await Promise.all(
        members.flatMap((member) =>
          Array.from({ length: DEVICES }, (_, d) => local.connect(member, { label: `${member.userId}-${d}` })),
        ),
      );
      await countSettlesAt(watcher, room.roomId, 1 + USERS);
      expect(await lastToldCount(watcher, room.roomId, 1 + USERS)).toBe(1 + USERS);

      // All at once: half the members close every device; the others close two of three and open a new one.
      const leaving = new Set(members.slice(0, USERS / 2).map((m) => m.userId));
      const byMember = (member: TestUser) => devices.filter((d) => d.label.startsWith(member.userId));
      await Promise.all(
        members.flatMap((member) => {
          const own = byMember(member);
          if (leaving.has(member.userId)) return own.map((d) => d.close());
          return [...own.slice(0, 2).map((d) => d.close()), local.connect(member, { label: `${member.userId}-new` })];
        }),
      );
      const expected = 1 + USERS / 2;
      await countSettlesAt(watcher, room.roomId, expected);
      expect(await lastToldCount(watcher, room.roomId, expected)).toBe(expected);
      // Settled: it stays there.
      await sleep(1_500);
      expect((await watcher.ack('getPresence', { roomId: room.roomId })).onlineCount).toBe(expected);
      void watcherUser;
    },
    60_000,
  );
});
