// PROTOCOL.md "Push notifications": with previews turned off by the deployer, a push names the sender and says
// nothing of the message.
import { expect } from 'vitest';
import { GENERIC_PUSH_BODY } from '../../lambdas/chat/index.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import { waitForPushes } from './support/push-watch.js';

const local = useLocalStack({ push: { delaySeconds: 0, preview: false } });

local.it('pushes carry the sender as title and a generic body, never the content', async () => {
  const { user: alice, client: a } = await local.connectNew('alice');
  const { user: bob, client: b } = await local.connectNew('bob');
  await b.ack('registerDevice', { platform: 'apns', token: 'bob-preview-off-phone' });
  await b.close();
  const room = await local.createRoom(a, [bob]);
  await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c1', content: 'the secret plan' });
  const [push] = await waitForPushes(local.stack, bob.userId, 1);
  expect(push).toMatchObject({ title: alice.name, body: GENERIC_PUSH_BODY, seq: 1 });
  expect(JSON.stringify(push)).not.toContain('secret');
});
