// PROTOCOL.md, hello's heartbeatMs, end to end on the local stack with raw WebSocket clients: a client that declared
// a heartbeat and goes silent (a phone that lost its network) is closed by the sweeper and announced offline once
// the heartbeat, the margin, a sweep and the offline grace period have passed; one that keeps its heartbeat stays;
// one that declared none stays until the gateway's own idle cut; bad values are refused, naming the field.
// The stack's heartbeat bounds are 1 to 3 s with a 500 ms margin (30 s to 9 minutes and 60 s deployed), it sweeps
// every 300 ms with a 500 ms offline grace, and cuts idle connections after 15 s.
import { describe, expect } from 'vitest';
import { useLocalStack } from './support/local-stack-fixture.js';
import { sleep, type Frame, type TestClient } from './support/test-client.js';

const HEARTBEAT_MS = 1_000;
const MARGIN_MS = 500;
const SWEEP_PERIOD_MS = 300;
const GRACE_MS = 500;
const IDLE_S = 15;
/** Silent past the heartbeat and margin, the next sweep closes it; the one after the grace announces it. */
const WITHIN_MS = HEARTBEAT_MS + MARGIN_MS + 2 * SWEEP_PERIOD_MS + GRACE_MS + 10_000;
const local = useLocalStack({
  heartbeat: { minMs: 1_000, maxMs: 3_000, marginMs: MARGIN_MS },
  sweepPeriodMs: SWEEP_PERIOD_MS,
  offlineGraceMs: GRACE_MS,
  idleTimeoutS: IDLE_S,
});

const offlineOf = (userId: string) => (frame: Frame) =>
  frame.type === 'presence' && frame.userId === userId && frame.isOnline === false;

/** Alice (connected, nothing said yet) and Bob, watching her presence in a room they share. */
async function aliceWatchedByBob(): Promise<{ alice: TestClient; aliceId: string; bob: TestClient; roomId: string }> {
  const alice = local.user('alice');
  const a = await local.connect(alice);
  const { client: bob } = await local.connectNew('bob');
  const room = await local.createRoom(bob, [alice]);
  return { alice: a, aliceId: alice.userId, bob, roomId: room.roomId };
}

async function isOnline(viewer: TestClient, roomId: string, userId: string): Promise<boolean | undefined> {
  const members = (await viewer.ack('listMembers', { roomId })).members as Array<{ userId: string; isOnline: boolean }>;
  return members.find((member) => member.userId === userId)?.isOnline;
}

describe('a declared heartbeat', () => {
  local.it('a client silent past its heartbeat is closed by the sweeper and announced offline', async () => {
    const { alice, aliceId, bob, roomId } = await aliceWatchedByBob();
    const saidAt = Date.now();
    await alice.ack('hello', { heartbeatMs: HEARTBEAT_MS });
    // Alice's network is gone: she sends nothing more, and nothing tells the gateway.
    const offline = await bob.waitFor(offlineOf(aliceId), WITHIN_MS);
    expect(offline).toMatchObject({ type: 'presence', roomId, userId: aliceId, isOnline: false });
    // Closed by the sweeper's DELETE @connections (1000), not the gateway's idle cut (1001).
    expect((await alice.closed).code).toBe(1000);
    // Not before the heartbeat and the margin had passed (a lower bound: the sweeper decides no sooner).
    expect(Date.now() - saidAt).toBeGreaterThanOrEqual(HEARTBEAT_MS + MARGIN_MS);
    expect(await isOnline(bob, roomId, aliceId)).toBe(false);
  });

  local.it('a client that keeps its heartbeat stays open and online, sweep after sweep', async () => {
    const { alice, aliceId, bob, roomId } = await aliceWatchedByBob();
    await alice.ack('hello', { heartbeatMs: HEARTBEAT_MS });
    // Four times the heartbeat and margin, a ping well within each heartbeat.
    for (let beat = 0; beat < 15; beat += 1) {
      await sleep(HEARTBEAT_MS / 2.5);
      await alice.ack('ping');
    }
    await local.stack.sweeper.runNow();
    expect(alice.isOpen).toBe(true);
    await bob.expectNoFrame(offlineOf(aliceId));
    expect(await isOnline(bob, roomId, aliceId)).toBe(true);
  });
});

describe('without a declared heartbeat', () => {
  local.it(
    'a silent client is not closed by the sweeper, only by the gateway after its idle timeout',
    async () => {
      const { alice, aliceId, bob, roomId } = await aliceWatchedByBob();
      await alice.ack('hello');
      const saidAt = Date.now();
      // Silent for three times what a declared heartbeat would allow, through a dozen sweeps and two more.
      await sleep(3 * (HEARTBEAT_MS + MARGIN_MS));
      await local.stack.sweeper.runNow();
      await local.stack.sweeper.runNow();
      expect(alice.isOpen).toBe(true);
      expect(await isOnline(bob, roomId, aliceId)).toBe(true);
      await bob.expectNoFrame(offlineOf(aliceId));
      // The gateway's idle cut (1001 Going away) ends it.
      expect((await alice.closed).code).toBe(1001);
      expect(Date.now() - saidAt).toBeGreaterThanOrEqual(IDLE_S * 1000 - 200);
    },
    IDLE_S * 1000 + 20_000,
  );
});

describe('a bad heartbeat', () => {
  local.each<[number | string, string]>([
    [999, 'heartbeatMs: must be from 1000 to 3000 (milliseconds)'],
    [3_001, 'heartbeatMs: must be from 1000 to 3000 (milliseconds)'],
    [1_500.5, 'heartbeatMs: expected int'],
    ['2000', 'heartbeatMs: expected number'],
  ])('hello with heartbeatMs %j is refused naming the field; nothing is declared', async (value, message) => {
    const { client } = await local.connectNew('bad');
    expect(await client.error('hello', { heartbeatMs: value })).toMatchObject({ code: 'BAD_REQUEST', message });
    expect(client.isOpen).toBe(true);
    // Nothing was declared: silent past any heartbeat the stack allows, the sweeper leaves it open.
    await sleep(3_000 + MARGIN_MS + SWEEP_PERIOD_MS);
    await local.stack.sweeper.runNow();
    expect(client.isOpen).toBe(true);
    expect((await client.ack('ping')).serverTime).toEqual(expect.any(String));
  });
});
