// PROTOCOL.md "presence", exactly once: many devices of one user connecting and closing at the same moment, through
// the real handlers, dynalite and the local gateway, as another member of the user's room hears it.
import { describe, expect } from 'vitest';
import { useLocalStack } from './support/local-stack-fixture.js';
import type { Frame, TestClient } from './support/test-client.js';

const local = useLocalStack();

const DEVICES = 8;
const SETTLE_MS = 800;

const presenceOf = (userId: string, isOnline?: boolean) => (frame: Frame) =>
  frame.type === 'presence' && frame.userId === userId && (isOnline === undefined || frame.isOnline === isOnline);

async function watchedUser(label: string) {
  const [user] = await local.registered(label);
  const { client: watcher } = await local.connectNew('watcher');
  await watcher.ack('createRoom', { name: 'watched', memberIds: [user!.userId] });
  const openDevices = (count: number) =>
    Promise.all(Array.from({ length: count }, (_, i) => local.connect(user!, { label: `${label[0]}${i}` })));
  /** Every presence event about the user the watcher has received by now, once the backend has settled. */
  const heard = async (): Promise<{ online: number; offline: number }> => {
    await watcher.expectNoFrame(() => false, SETTLE_MS);
    const events = watcher.discard(presenceOf(user!.userId));
    return {
      online: events.filter((e) => e.isOnline === true).length,
      offline: events.filter((e) => e.isOnline === false).length,
    };
  };
  return { user: user!, watcher, openDevices, heard };
}

describe('presence with many devices at once', () => {
  local.it(
    `${DEVICES} devices opening at once announce online once, closing at once announce offline once, round after round`,
    async () => {
      const { user, watcher, openDevices, heard } = await watchedUser('alice');
      for (let round = 1; round <= 3; round += 1) {
        const devices = await openDevices(DEVICES);
        await watcher.waitFor(presenceOf(user.userId, true));
        expect({ round, ...(await heard()) }).toEqual({ round, online: 0, offline: 0 });

        await Promise.all(devices.map((device) => device.close()));
        await watcher.waitFor(presenceOf(user.userId, false));
        expect({ round, ...(await heard()) }).toEqual({ round, online: 0, offline: 0 });
      }
    },
    90_000,
  );

  local.it(
    'devices closing, dropping and opening all at the same moment: every online is matched by one offline',
    async () => {
      const { user, watcher, openDevices, heard } = await watchedUser('bob');
      let online = 0;
      let offline = 0;
      for (let round = 1; round <= 3; round += 1) {
        const first = await openDevices(4);
        await watcher.waitFor(presenceOf(user.userId, true));
        online += 1;
        const churn: Promise<unknown>[] = [first[0]!.close(), first[1]!.close()];
        first[2]!.terminate(); // its network dies without a close frame
        const opening = openDevices(4);
        churn.push(opening);
        await Promise.all(churn);
        const later: TestClient[] = [first[3]!, ...(await opening)];
        await Promise.all(later.map((device) => device.close()));
        await watcher.waitFor(presenceOf(user.userId, false));
        offline += 1;
        const rest = await heard();
        online += rest.online;
        offline += rest.offline;
      }
      // Offline before and after: each online was followed by exactly one offline, never repeated.
      expect(online).toBe(offline);
      expect(online).toBeGreaterThanOrEqual(3);
    },
    90_000,
  );
});
