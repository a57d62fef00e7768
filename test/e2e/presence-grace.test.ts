// PROTOCOL.md "presence", with the offline grace period: a user whose last connection closes is announced offline
// only once the grace period has passed without a connection of theirs (by the sweeper), and a reconnect within it
// announces nothing to anyone. The stack's grace period is 2 s and its sweeper runs every 300 ms.
import { describe, expect } from 'vitest';
import { useLocalStack } from './support/local-stack-fixture.js';
import { sleep } from './support/test-client.js';
import { expectIsoTime } from './support/wire.js';

const GRACE_MS = 2_000;
const SWEEP_PERIOD_MS = 300;
/** The grace period, a sweep, and generous slack for a shared, busy machine. */
const WITHIN_MS = GRACE_MS + SWEEP_PERIOD_MS + 10_000;
const local = useLocalStack({ offlineGraceMs: GRACE_MS, sweepPeriodMs: SWEEP_PERIOD_MS });

const presenceOf =
  (userId: string, isOnline?: boolean) => (frame: { type?: string; userId?: unknown; isOnline?: unknown }) =>
    frame.type === 'presence' && frame.userId === userId && (isOnline === undefined || frame.isOnline === isOnline);

describe('presence with an offline grace period', () => {
  local.it('offline comes after the grace period, with lastSeenAt when the last connection closed', async () => {
    const alice = local.user('alice');
    const a1 = await local.connect(alice, { label: 'a1' });
    const { user: bob, client: b } = await local.connectNew('bob');
    const { user: carol, client: c } = await local.connectNew('carol');
    const room = await local.createRoom(a1, [bob, carol]);

    const closedAt = Date.now();
    await a1.close();
    const offline = await b.waitFor(presenceOf(alice.userId, false), WITHIN_MS);
    const heardAt = Date.now();
    expect(offline).toMatchObject({ type: 'presence', roomId: room.roomId, userId: alice.userId, isOnline: false });
    expectIsoTime(offline.lastSeenAt, closedAt, 3_000);
    // Not before the grace period had passed (a lower bound: the sweeper settles no sooner, however fast it runs).
    expect(heardAt - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    await c.waitFor(presenceOf(alice.userId, false), WITHIN_MS);
    await b.expectNoFrame(presenceOf(alice.userId));
  });

  local.it('a reconnect within the grace period sends no presence event to anyone', async () => {
    const alice = local.user('alice');
    const a1 = await local.connect(alice, { label: 'a1' });
    const a2 = await local.connect(alice, { label: 'a2' });
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a1, [bob]);

    // Both of Alice's devices drop; one comes back at once.
    await a1.close();
    await a2.close();
    const a3 = await local.connect(alice, { label: 'a3' });
    // Long enough for the grace period and several sweeps to have passed.
    await sleep(GRACE_MS + 4 * SWEEP_PERIOD_MS);
    await b.expectNoFrame(presenceOf(alice.userId));
    await a3.expectNoFrame(presenceOf(alice.userId), 0);
    const members = (await b.ack('listMembers', { roomId: room.roomId })).members as Array<{
      userId: string;
      isOnline: boolean;
    }>;
    expect(members.find((m) => m.userId === alice.userId)?.isOnline).toBe(true);

    // Her next close, with nobody coming back, is announced.
    await a3.close();
    await b.waitFor(presenceOf(alice.userId, false), WITHIN_MS);
  });
});
