// The connect, message and disconnect handlers as Lambda runs them: the real handler modules (config from the
// environment), the DynamoDB store against dynalite, the real management API client against a local stub.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeConfig } from '../../../lambdas/adapters/config.js';
import type { WebSocketHandlerEvent } from '../../../lambdas/adapters/gateway-events.js';
import { createMessageHandler } from '../../../lambdas/adapters/message-handler.js';
import { createConnectHandler, type WebSocketHandler } from '../../../lambdas/adapters/wiring.js';
import {
  embeddedDynamoClientConfig,
  ensureTable,
  startEmbeddedDynamo,
  type EmbeddedDynamo,
} from '../../../local/embedded-dynamo.js';
import { startManagementApiStub, type ManagementApiStub } from './support/management-api-stub.js';

let dynamo: EmbeddedDynamo;
let management: ManagementApiStub;
const tableName = `chat-wiring-${randomUUID()}`;
let handlers: { connect: WebSocketHandler; disconnect: WebSocketHandler; message: WebSocketHandler };

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo();
  const admin = new DynamoDBClient(embeddedDynamoClientConfig(dynamo.endpoint));
  await ensureTable(admin, tableName);
  admin.destroy();
  management = await startManagementApiStub();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    MANAGEMENT_ENDPOINT: management.endpoint,
    POWERTOOLS_LOG_LEVEL: 'CRITICAL',
  });
  handlers = {
    connect: (await import('../../../lambdas/handlers/connect.js')).handler,
    disconnect: (await import('../../../lambdas/handlers/disconnect.js')).handler,
    message: (await import('../../../lambdas/handlers/message.js')).handler,
  };
});

afterAll(async () => {
  await management?.stop();
  await dynamo?.stop();
});

function event(
  connectionId: string,
  userId: string,
  extra: Partial<WebSocketHandlerEvent> = {},
  routeKey = '$default',
): WebSocketHandlerEvent {
  return {
    requestContext: {
      connectionId,
      connectedAt: Date.now(),
      routeKey,
      eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
      domainName: 'abcdef123.execute-api.us-east-1.amazonaws.com',
      stage: 'prod',
      requestId: randomUUID(),
      authorizer: { principalId: userId, userId, displayName: `Name of ${userId}`, integrationLatency: 12 },
    },
    isBase64Encoded: false,
    ...extra,
  };
}

// The handlers take the events typed by @types/aws-lambda as they are (a compile-time check).
export const acceptsAwsLambdaTypes = (event: APIGatewayProxyWebsocketEventV2) => handlers.message(event);

const id = (prefix: string) => `${prefix}-${randomUUID()}=`;

describe('handler modules wired from the environment', () => {
  it('connect stores the connection and profile; hello is acked through the management API', async () => {
    const userId = id('user');
    const connectionId = id('conn');
    await expect(handlers.connect(event(connectionId, userId, {}, '$connect'))).resolves.toEqual({ statusCode: 200 });

    const hello = JSON.stringify({ action: 'hello', requestId: 'r-1' });
    await expect(handlers.message(event(connectionId, userId, { body: hello }, 'hello'))).resolves.toEqual({
      statusCode: 200,
    });
    const [ack] = management.framesTo(connectionId);
    expect(ack).toMatchObject({
      type: 'ack',
      requestId: 'r-1',
      action: 'hello',
      user: { userId, displayName: `Name of ${userId}` },
    });
    expect(ack!.rooms).toEqual([]);
  });

  it('answers a bad frame with an error frame and a 200 (the connection stays open)', async () => {
    const userId = id('user');
    const connectionId = id('conn');
    await handlers.connect(event(connectionId, userId, {}, '$connect'));
    await expect(handlers.message(event(connectionId, userId, { body: 'not json' }))).resolves.toEqual({
      statusCode: 200,
    });
    expect(management.framesTo(connectionId)).toEqual([
      expect.objectContaining({ type: 'error', code: 'BAD_REQUEST' }),
    ]);
  });

  it('decodes a base64 (binary) frame body', async () => {
    const userId = id('user');
    const connectionId = id('conn');
    await handlers.connect(event(connectionId, userId, {}, '$connect'));
    const body = Buffer.from(JSON.stringify({ action: 'ping', requestId: 'p-1' })).toString('base64');
    await handlers.message(event(connectionId, userId, { body, isBase64Encoded: true }));
    expect(management.framesTo(connectionId)).toEqual([
      expect.objectContaining({ type: 'ack', requestId: 'p-1', action: 'ping' }),
    ]);
  });

  it('takes the user from the authorizer context only: a userId in the frame changes nothing', async () => {
    const userId = id('user');
    const connectionId = id('conn');
    await handlers.connect(event(connectionId, userId, {}, '$connect'));
    const body = JSON.stringify({ action: 'hello', requestId: 'r-2', userId: 'someone-else' });
    await handlers.message(event(connectionId, userId, { body }));
    const frames = management.framesTo(connectionId);
    expect(frames.at(-1)).toMatchObject({ type: 'ack', user: { userId } });
  });

  it('disconnect removes the connection: a later frame from it is no longer served as that user', async () => {
    const userId = id('user');
    const connectionId = id('conn');
    await handlers.connect(event(connectionId, userId, {}, '$connect'));
    await expect(handlers.disconnect(event(connectionId, userId, {}, '$disconnect'))).resolves.toEqual({
      statusCode: 200,
    });
    // Presence of a second device shows it: the disconnected one is not listed among the user's connections.
    const other = id('conn');
    await handlers.connect(event(other, userId, {}, '$connect'));
    await handlers.message(event(other, userId, { body: JSON.stringify({ action: 'hello', requestId: 'h' }) }));
    expect(management.framesTo(other).at(-1)).toMatchObject({ type: 'ack', user: { userId, isOnline: true } });
  });

  it('answers 500 (and stores nothing) for an event without the authorizer context', async () => {
    const connectionId = id('conn');
    const broken = event(connectionId, 'x', {}, '$connect');
    delete broken.requestContext.authorizer;
    await expect(handlers.connect(broken)).resolves.toEqual({ statusCode: 500 });
    await expect(handlers.message({ ...broken, body: '{"action":"ping","requestId":"p"}' })).resolves.toEqual({
      statusCode: 500,
    });
    expect(management.framesTo(connectionId)).toEqual([]);
  });
});

describe('wiring with overrides', () => {
  const config = (): RuntimeConfig => ({
    region: 'us-east-1',
    tableName,
    dynamoEndpoint: dynamo.endpoint,
    managementEndpoint: management.endpoint,
    maxConnectionS: 7200,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };

  it('flushes metrics once at the end of every invocation, failed ones included', async () => {
    let flushes = 0;
    const counted: string[] = [];
    const metrics = { count: (name: string) => void counted.push(name), flush: () => void (flushes += 1) };
    const connect = createConnectHandler(config(), { logger: quiet, metrics });
    const message = createMessageHandler(config(), { logger: quiet, metrics });
    const userId = id('user');
    const connectionId = id('conn');
    await connect(event(connectionId, userId, {}, '$connect'));
    await message(event(connectionId, userId, { body: '{"action":"ping"}' }));
    const broken = event(connectionId, userId);
    delete broken.requestContext.authorizer;
    await message(broken);
    expect(flushes).toBe(3);
    expect(counted).toContain('ConnectionsOpened');
  });

  it('derives the management endpoint from the event when none is configured', async () => {
    const { managementEndpoint: _none, ...withoutEndpoint } = config();
    const errors: Array<Record<string, unknown> | undefined> = [];
    const record = (m: string, extra?: Record<string, unknown>) => void errors.push({ m, ...extra });
    const message = createMessageHandler(withoutEndpoint, {
      logger: { debug: record, info: record, warn: record, error: record },
    });
    const userId = id('user');
    const connectionId = id('conn');
    // Nothing listens there: the failed post shows the ack went to https://{domainName}/{stage}, not to the stub.
    const unreachable = event(connectionId, userId, { body: '{"action":"ping","requestId":"p"}' });
    unreachable.requestContext.domainName = '127.0.0.1:1';
    await message(unreachable);
    expect(management.framesTo(connectionId)).toEqual([]);
    expect(JSON.stringify(errors)).toContain('ECONNREFUSED 127.0.0.1:1');
  });

  it('fails at cold start, naming TABLE_NAME, without a table', () => {
    const { tableName: _none, ...noTable } = config();
    expect(() => createConnectHandler(noTable)).toThrow(/^TABLE_NAME: /);
  });

  it('fails at cold start, naming FANOUT_FUNCTION_NAME, when the message handler cannot invoke the worker', () => {
    const withWorker = { ...config(), fanOutFunctionName: 'chat-fanout' };
    expect(() => createMessageHandler(withWorker)).toThrow(/^FANOUT_FUNCTION_NAME: /);
    // The other handlers never invoke it: they do not need a way to.
    expect(() => createConnectHandler(withWorker)).not.toThrow();
  });
});
