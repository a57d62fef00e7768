import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../lambdas/adapters/config.js';

const awsChatEnv = { AWS_REGION: 'eu-west-1', TABLE_NAME: 'ChatTable-123' };
const awsAuthEnv = { AWS_REGION: 'eu-west-1', USER_POOL_ID: 'eu-west-1_AbC123', USER_POOL_CLIENT_ID: 'client-abc' };

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it("reads the chat handlers' settings with defaults", () => {
    expect(loadConfig(awsChatEnv, 'chat')).toEqual({
      region: 'eu-west-1',
      tableName: 'ChatTable-123',
      maxConnectionS: 7200,
      pushDelayS: 5,
      offlineGraceMs: 15_000,
    });
    expect(loadConfig({ ...awsChatEnv, OFFLINE_GRACE_S: '0' }, 'chat').offlineGraceMs).toBe(0);
    expect(errorOf(() => loadConfig({ ...awsChatEnv, OFFLINE_GRACE_S: '-1' }, 'chat')).variable).toBe(
      'OFFLINE_GRACE_S',
    );
  });

  it("reads the push settings: the message handler's queue and delay, the push function's applications", () => {
    const queue = 'https://sqs.eu-west-1.amazonaws.com/123456789012/push';
    expect(loadConfig({ ...awsChatEnv, PUSH_QUEUE_URL: queue, PUSH_DELAY_S: '0' }, 'chat')).toMatchObject({
      pushQueueUrl: queue,
      pushDelayS: 0,
    });
    expect(errorOf(() => loadConfig({ ...awsChatEnv, PUSH_DELAY_S: '901' }, 'chat')).variable).toBe('PUSH_DELAY_S');
    const apns = 'arn:aws:sns:eu-west-1:123456789012:app/APNS/my-app';
    const fcm = 'arn:aws:sns:eu-west-1:123456789012:app/GCM/my-app';
    const pushEnv = { ...awsChatEnv, PUSH_QUEUE_URL: queue, PUSH_APNS_APPLICATION_ARN: apns };
    expect(loadConfig({ ...pushEnv, PUSH_FCM_APPLICATION_ARN: fcm, PUSH_PREVIEW: 'false' }, 'push')).toEqual({
      region: 'eu-west-1',
      tableName: 'ChatTable-123',
      maxConnectionS: 7200,
      offlineGraceMs: 15_000,
      pushQueueUrl: queue,
      push: { applications: { apns, fcm }, preview: false },
    });
    expect(loadConfig(pushEnv, 'push').push?.preview).toBe(true);
    expect(errorOf(() => loadConfig({ ...pushEnv, PUSH_QUEUE_URL: '' }, 'push')).variable).toBe('PUSH_QUEUE_URL');
    expect(errorOf(() => loadConfig({ ...pushEnv, PUSH_APNS_APPLICATION_ARN: '' }, 'push')).message).toMatch(
      /PUSH_APNS_APPLICATION_ARN .*: the push function needs at least one platform application/,
    );
    // An FCM application where APNs belongs is refused by name.
    expect(errorOf(() => loadConfig({ ...pushEnv, PUSH_APNS_APPLICATION_ARN: fcm }, 'push')).variable).toBe(
      'PUSH_APNS_APPLICATION_ARN',
    );
    expect(errorOf(() => loadConfig({ ...pushEnv, PUSH_PREVIEW: 'no' }, 'push')).variable).toBe('PUSH_PREVIEW');
  });

  it("reads the authorizer's Cognito settings and needs no table", () => {
    expect(loadConfig(awsAuthEnv, 'auth')).toEqual({
      region: 'eu-west-1',
      maxConnectionS: 7200,
      auth: { mode: 'cognito', userPoolId: 'eu-west-1_AbC123', clientId: 'client-abc' },
    });
  });

  it("takes the authorizer's region from the pool id when AWS_REGION is absent", () => {
    const { AWS_REGION: _omitted, ...env } = awsAuthEnv;
    expect(loadConfig(env, 'auth').region).toBe('eu-west-1');
  });

  it("reads the sweeper's settings: it needs MANAGEMENT_ENDPOINT, since schedule events name no API", () => {
    expect(errorOf(() => loadConfig(awsChatEnv, 'sweeper')).message).toBe('MANAGEMENT_ENDPOINT: is required');
    const endpoint = 'https://abc.execute-api.eu-west-1.amazonaws.com/dev';
    expect(loadConfig({ ...awsChatEnv, MANAGEMENT_ENDPOINT: endpoint }, 'sweeper')).toMatchObject({
      tableName: 'ChatTable-123',
      managementEndpoint: endpoint,
    });
  });

  it("reads the redelivery handler's settings: it needs MANAGEMENT_ENDPOINT, since its events name no API", () => {
    const env = { ...awsChatEnv, REDELIVERY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q' };
    expect(errorOf(() => loadConfig(env, 'redelivery')).message).toBe('MANAGEMENT_ENDPOINT: is required');
    const endpoint = 'https://abc.execute-api.eu-west-1.amazonaws.com/dev';
    expect(loadConfig({ ...env, MANAGEMENT_ENDPOINT: endpoint, REDELIVERY_MAX_RECEIVES: '3' }, 'redelivery')).toEqual({
      region: 'eu-west-1',
      tableName: 'ChatTable-123',
      maxConnectionS: 7200,
      offlineGraceMs: 15_000,
      managementEndpoint: endpoint,
      redeliveryQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q',
      redeliveryMaxReceives: 3,
    });
    expect(loadConfig({ ...env, MANAGEMENT_ENDPOINT: endpoint }, 'redelivery').redeliveryMaxReceives).toBe(5);
    expect(
      errorOf(() => loadConfig({ ...env, MANAGEMENT_ENDPOINT: endpoint, REDELIVERY_MAX_RECEIVES: '0' }, 'redelivery'))
        .variable,
    ).toBe('REDELIVERY_MAX_RECEIVES');
    expect(errorOf(() => loadConfig({ ...awsChatEnv, REDELIVERY_QUEUE_URL: 'not a url' }, 'chat')).variable).toBe(
      'REDELIVERY_QUEUE_URL',
    );
  });

  it("reads the split fan-out's settings; the worker needs MANAGEMENT_ENDPOINT", () => {
    const env = { ...awsChatEnv, FANOUT_FUNCTION_NAME: 'ChatFanOut-1', FANOUT_INLINE_MAX: '150' };
    expect(loadConfig(env, 'chat')).toEqual({
      region: 'eu-west-1',
      tableName: 'ChatTable-123',
      maxConnectionS: 7200,
      offlineGraceMs: 15_000,
      pushDelayS: 5,
      fanOutFunctionName: 'ChatFanOut-1',
      fanOut: { inlineMax: 150, batchSize: 200 },
    });
    expect(errorOf(() => loadConfig({ ...env, FANOUT_BATCH_SIZE: '0' }, 'chat')).variable).toBe('FANOUT_BATCH_SIZE');
    expect(errorOf(() => loadConfig({ ...env, FANOUT_INLINE_MAX: 'many' }, 'chat')).variable).toBe('FANOUT_INLINE_MAX');
    expect(errorOf(() => loadConfig(awsChatEnv, 'fanout')).message).toBe('MANAGEMENT_ENDPOINT: is required');
    expect(errorOf(() => loadConfig({ ...awsChatEnv, LAMBDA_ENDPOINT: 'ftp://x' }, 'chat')).variable).toBe(
      'LAMBDA_ENDPOINT',
    );
  });

  it('reads the moderation event bus and, locally, the EventBridge endpoint', () => {
    const env = { ...awsChatEnv, MODERATION_EVENT_BUS: ' arn:aws:events:eu-west-1:1:event-bus/chat ' };
    expect(loadConfig(env, 'chat').moderationEventBus).toBe('arn:aws:events:eu-west-1:1:event-bus/chat');
    expect(loadConfig({ ...env, EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:4010/' }, 'chat').eventBridgeEndpoint).toBe(
      'http://127.0.0.1:4010',
    );
    expect(errorOf(() => loadConfig({ ...env, EVENTBRIDGE_ENDPOINT: 'events' }, 'chat')).variable).toBe(
      'EVENTBRIDGE_ENDPOINT',
    );
  });

  it('names the missing variable', () => {
    expect(errorOf(() => loadConfig({ AWS_REGION: 'eu-west-1' }, 'chat')).message).toBe('TABLE_NAME: is required');
    expect(errorOf(() => loadConfig({ TABLE_NAME: 't' }, 'chat')).variable).toBe('AWS_REGION');
    expect(errorOf(() => loadConfig({ AWS_REGION: 'eu-west-1' }, 'auth')).variable).toBe('USER_POOL_ID');
    const { USER_POOL_CLIENT_ID: _omitted, ...noClient } = awsAuthEnv;
    expect(errorOf(() => loadConfig(noClient, 'auth')).message).toBe('USER_POOL_CLIENT_ID: is required');
  });

  it('treats blank values as missing', () => {
    expect(errorOf(() => loadConfig({ ...awsChatEnv, TABLE_NAME: '   ' }, 'chat')).variable).toBe('TABLE_NAME');
  });

  it('names an ill-formed variable and says what is expected', () => {
    const pool = errorOf(() => loadConfig({ ...awsAuthEnv, USER_POOL_ID: 'not-a-pool' }, 'auth'));
    expect(pool.message).toMatch(/^USER_POOL_ID: .*<region>_<id>/);
    for (const bad of ['0', '-5', '1.5', '7201', 'soon']) {
      const error = errorOf(() => loadConfig({ ...awsChatEnv, MAX_CONNECTION_S: bad }, 'chat'));
      expect(error.message).toMatch(/^MAX_CONNECTION_S: .*from 1 to 7200/);
    }
    expect(errorOf(() => loadConfig({ ...awsChatEnv, DYNAMODB_ENDPOINT: 'localhost:8000' }, 'chat')).variable).toBe(
      'DYNAMODB_ENDPOINT',
    );
    expect(errorOf(() => loadConfig({ ...awsChatEnv, MANAGEMENT_ENDPOINT: 'ftp://x' }, 'chat')).variable).toBe(
      'MANAGEMENT_ENDPOINT',
    );
  });

  it('reads the optional local endpoints and MAX_CONNECTION_S', () => {
    const config = loadConfig(
      {
        ...awsChatEnv,
        MAX_CONNECTION_S: '60',
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567/',
        MANAGEMENT_ENDPOINT: 'http://127.0.0.1:8080',
      },
      'chat',
    );
    expect(config).toMatchObject({
      maxConnectionS: 60,
      dynamoEndpoint: 'http://127.0.0.1:4567',
      managementEndpoint: 'http://127.0.0.1:8080',
    });
  });

  it('reads a local issuer from LOCAL_JWKS, and refuses a private key or a malformed JWKS by name', () => {
    const jwk = { kty: 'RSA', kid: 'k1', n: 'abc', e: 'AQAB', alg: 'RS256' };
    const env = {
      LOCAL_JWKS: JSON.stringify({ keys: [jwk] }),
      LOCAL_JWT_ISSUER: 'http://127.0.0.1:8080',
      LOCAL_JWT_AUDIENCE: 'local',
    };
    expect(loadConfig(env, 'auth')).toEqual({
      region: 'local',
      maxConnectionS: 7200,
      auth: { mode: 'local', issuer: 'http://127.0.0.1:8080', audience: 'local', jwks: { keys: [jwk] } },
    });
    expect(errorOf(() => loadConfig({ ...env, LOCAL_JWKS: '{oops' }, 'auth')).variable).toBe('LOCAL_JWKS');
    expect(errorOf(() => loadConfig({ ...env, LOCAL_JWKS: '{"keys":[]}' }, 'auth')).variable).toBe('LOCAL_JWKS');
    expect(
      errorOf(() => loadConfig({ ...env, LOCAL_JWKS: JSON.stringify({ keys: [{ ...jwk, d: 'secret' }] }) }, 'auth'))
        .message,
    ).toMatch(/^LOCAL_JWKS: keys\[0\] is a private key/);
    const { LOCAL_JWT_AUDIENCE: _omitted, ...noAudience } = env;
    expect(errorOf(() => loadConfig(noAudience, 'auth')).variable).toBe('LOCAL_JWT_AUDIENCE');
  });
});
