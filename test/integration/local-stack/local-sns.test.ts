// The SNS emulation through the real @aws-sdk/client-sns, as the push function's gateway (sns-push-gateway.ts) and a
// bare client use it: endpoints made from tokens, found again and re-enabled, pushes as each platform receives them,
// disabled and deleted endpoints, and errors in SNS's own shape.
import { CreatePlatformEndpointCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSnsPushGateway } from '../../../lambdas/adapters/sns-push-gateway.js';
import type { PushNotification } from '../../../lambdas/chat/ports.js';
import { startLocalSns, type LocalSns } from '../../../local/sns/local-sns.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const note = (overrides: Partial<PushNotification> = {}): PushNotification => ({
  userId: 'bob',
  roomId: 'room-1',
  seq: 7,
  title: 'Alice',
  body: 'Quotes " & <tags> 😀',
  collapseKey: 'room-1',
  ...overrides,
});

describe('local SNS mobile push', () => {
  let sns: LocalSns;
  let client: SNSClient;
  beforeAll(async () => {
    sns = await startLocalSns({ region: 'us-east-1' });
    client = new SNSClient({ region: 'us-east-1', endpoint: sns.endpoint, credentials });
  });
  afterAll(async () => {
    client.destroy();
    await sns.stop();
  });
  const gateway = () =>
    createSnsPushGateway({ region: 'us-east-1', applications: sns.applications, endpoint: sns.endpoint, credentials });

  it('creates one endpoint per token and delivers each platform payload, badge and collapse key included', async () => {
    const push = gateway();
    const apns = await push.createEndpoint('apns', 'token-apns-1');
    expect(apns).toMatch(/^arn:aws:sns:us-east-1:000000000000:endpoint\/APNS\/chat-local\/[0-9a-f-]+$/);
    expect(await push.createEndpoint('apns', 'token-apns-1')).toBe(apns);
    const fcm = await push.createEndpoint('fcm', 'token-fcm-1');
    expect(await push.publish(apns, 'apns', note({ badge: 4 }))).toBe('sent');
    expect(await push.publish(fcm, 'fcm', note({ seq: 8 }))).toBe('sent');
    const delivered = sns.pushes().filter((p) => p.token.endsWith('-1'));
    expect(delivered.map(({ at: _at, endpointArn: _arn, ...rest }) => rest)).toEqual([
      { platform: 'apns', token: 'token-apns-1', ...note({ badge: 4 }) },
      { platform: 'fcm', token: 'token-fcm-1', ...note({ seq: 8 }) },
    ]);
  });

  it('reports a disabled endpoint, re-enables it when the token is registered again, and forgets deleted ones', async () => {
    const push = gateway();
    const arn = await push.createEndpoint('fcm', 'token-2');
    expect(sns.disableToken('token-2')).toBe(1);
    expect(await push.publish(arn, 'fcm', note())).toBe('disabled');
    // Registered again by the app: the same endpoint comes back, enabled.
    expect(await push.createEndpoint('fcm', 'token-2')).toBe(arn);
    expect(await push.publish(arn, 'fcm', note())).toBe('sent');
    await push.deleteEndpoint(arn);
    await push.deleteEndpoint(arn);
    expect(await push.publish(arn, 'fcm', note())).toBe('disabled');
    // Tokens the emulated platform refuses disable their endpoint on the first push.
    const refused = await push.createEndpoint('apns_sandbox', 'disabled-token-3');
    expect(await push.publish(refused, 'apns_sandbox', note())).toBe('disabled');
  });

  it('answers mistakes with SNS error codes', async () => {
    await expect(
      client.send(
        new CreatePlatformEndpointCommand({ PlatformApplicationArn: `${sns.applications.fcm}x`, Token: 't' }),
      ),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
    const arn = await gateway().createEndpoint('fcm', 'token-4');
    await expect(
      client.send(new PublishCommand({ TargetArn: arn, MessageStructure: 'json', Message: '{"GCM":"{}"}' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const huge = JSON.stringify({ default: 'x', GCM: 'x'.repeat(5_000) });
    await expect(
      client.send(new PublishCommand({ TargetArn: arn, MessageStructure: 'json', Message: huge })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('4096') });
  });

  it('pushes only through the platforms it has an application for', () => {
    const apnsOnly = createSnsPushGateway({ region: 'us-east-1', applications: { apns: sns.applications.apns } });
    expect(['apns', 'apns_sandbox', 'fcm'].map((p) => apnsOnly.supports(p as 'apns'))).toEqual([true, false, false]);
  });
});
