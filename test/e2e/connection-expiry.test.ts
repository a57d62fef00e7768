// PROTOCOL.md "presence": a connection whose close never reached the backend counts as gone at the latest when its
// expiresAt (connectedAt + the maximum connection duration) passes, even if nothing was ever posted to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../lambdas/protocol/index.js';
import { FaultInjection } from './support/fault-injection.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import { sleep } from './support/test-client.js';

const MAX_S = 3;
const faults = new FaultInjection();
const local = useLocalStack({ logLevel: 'SILENT', maxConnectionS: MAX_S, ...faults.stackOptions });

beforeAll(() => faults.attach(local.stack));
afterAll(() => faults.detach());

describe('connection expiry', () => {
  it('a connection whose $disconnect was lost stops counting as online once its expiresAt passes', async () => {
    const { client: c } = await local.connectNew('carol');
    const [dave] = await local.registered('dave');
    const bob = local.user('bob');
    const connectedAt = Date.now();
    const b = await local.connect(bob);
    const room = await local.createRoom(c, [bob, dave!]);
    const [bobsConnection] = faults.connectionIdsOf(bob.userId);
    expect(bobsConnection).toBeDefined();

    await faults.loseDisconnect(bobsConnection!, () => b.close());
    // The backend never heard of the close: Bob still looks online.
    const before = await c.ack('getPresence', { roomId: room.roomId });
    expect((before.online as User[]).map((u) => u.userId)).toContain(bob.userId);

    await sleep(Math.max(0, connectedAt + MAX_S * 1000 + 300 - Date.now()));
    // Carol's own connection has reached the same limit by now: Dave looks instead.
    const d = await local.connect(dave!);
    const after = await d.ack('getPresence', { roomId: room.roomId });
    expect((after.online as User[]).map((u) => u.userId)).not.toContain(bob.userId);
    const members = (await d.ack('listMembers', { roomId: room.roomId })).members as User[];
    expect(members.find((m) => m.userId === bob.userId)).toMatchObject({ isOnline: false });
  });
});
