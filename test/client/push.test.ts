// Push notifications through the SDK, against the real local stack: registerDevice, unregisterDevice and muteRoom
// with their types, rooms() showing `muted` on every device, and the pushes GET /dev/push reports.
import { describe, expect, it } from 'vitest';
import { ChatError } from '../../client/src/index.js';
import type { DeliveredPush } from '../../local/sns/local-sns.js';
import { useLocalStack, waitFor } from './local-stack-fixture.js';

describe('ChatClient push notifications', () => {
  const local = useLocalStack({ push: { delaySeconds: 0 } });

  const pushesTo = async (userId: string): Promise<DeliveredPush[]> =>
    (
      (await (await fetch(`${local.fixture.stack.httpUrl}/dev/push?userId=${userId}`)).json()) as {
        pushes: DeliveredPush[];
      }
    ).pushes;

  it('registers devices and mutes rooms (rooms() shows it); a user away gets one push per device', async () => {
    const { alice, bob, roomId } = await local.pair();
    await bob.client.registerDevice('apns', `${bob.userId}-iphone`);
    await bob.client.registerDevice('fcm', `${bob.userId}-pixel`);
    await bob.client.muteRoom(roomId);
    expect(bob.client.room(roomId)?.muted).toBe(true);
    await bob.client.muteRoom(roomId, false);
    expect(bob.client.room(roomId)).not.toHaveProperty('muted');
    bob.client.close();
    await waitFor(() => local.fixture.connectionsOf(bob.userId).length === 0, 'bob is away');

    await alice.client.sendMessage(roomId, 'are you there?');
    let pushes: DeliveredPush[] = [];
    for (const deadline = Date.now() + 10_000; pushes.length < 2 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      pushes = await pushesTo(bob.userId);
    }
    expect(pushes.map((p) => [p.platform, p.body, p.title]).sort()).toEqual([
      ['apns', 'are you there?', 'Alice'],
      ['fcm', 'are you there?', 'Alice'],
    ]);
  });

  it('unregisterDevice says whether the token was the user’s; bad input is a ChatError naming the field', async () => {
    const { bob } = await local.pair();
    await bob.client.registerDevice('apns_sandbox', `${bob.userId}-dev-phone`);
    expect(await bob.client.unregisterDevice(`${bob.userId}-dev-phone`)).toBe(true);
    expect(await bob.client.unregisterDevice(`${bob.userId}-dev-phone`)).toBe(false);
    const refused = await bob.client.registerDevice('apns', 'two words').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ChatError);
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('token') });
    const forbidden = await bob.client.muteRoom('not-a-room-of-bob').catch((error: unknown) => error);
    expect(forbidden).toMatchObject({ code: 'FORBIDDEN' });
  });
});
