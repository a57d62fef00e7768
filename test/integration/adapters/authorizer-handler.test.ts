// The $connect authorizer end to end: the real handler module (config from the environment, aws-jwt-verify, the
// Powertools logger writing to stdout) fed API Gateway's REQUEST authorizer event for a WebSocket $connect.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import {
  createAuthorizerHandler,
  UNAUTHORIZED,
  type AuthorizerHandler,
} from '../../../lambdas/adapters/authorizer-handler.js';
import type { WebSocketAuthorizerEvent } from '../../../lambdas/adapters/gateway-events.js';
import { createDevTokenIssuer, type DevTokenIssuer } from '../../../local/dev-token-issuer.js';

const ISSUER = 'http://127.0.0.1:8080';
const AUDIENCE = 'local-chat';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef123/prod/$connect';

let issuer: DevTokenIssuer;
let handler: AuthorizerHandler;
/** Everything the process wrote to stdout and stderr. */
const stdout: string[] = [];
const tokensUsed: string[] = [];

beforeAll(async () => {
  issuer = await createDevTokenIssuer({ issuer: ISSUER, audience: AUDIENCE });
  // Powertools writes INFO/DEBUG to stdout and WARN/ERROR to stderr: capture both.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
  // The handler file's own wiring: config from the environment at import (cold start).
  Object.assign(process.env, {
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    POWERTOOLS_SERVICE_NAME: 'chat-authorizer-test',
    LOCAL_JWKS: JSON.stringify(issuer.jwks),
    LOCAL_JWT_ISSUER: ISSUER,
    LOCAL_JWT_AUDIENCE: AUDIENCE,
  });
  handler = (await import('../../../lambdas/handlers/authorizer.js')).handler;
});

afterAll(() => {
  vi.restoreAllMocks();
});

/** API Gateway's REQUEST authorizer event for a WebSocket $connect (docs example, trimmed). */
function connectEvent(query: Record<string, string> | null): WebSocketAuthorizerEvent {
  if (query?.token) tokensUsed.push(query.token);
  const event = {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    headers: {
      Host: 'abcdef123.execute-api.eu-west-1.amazonaws.com',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
    },
    multiValueHeaders: { Host: ['abcdef123.execute-api.eu-west-1.amazonaws.com'] },
    queryStringParameters: query,
    multiValueQueryStringParameters: query ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
    stageVariables: {},
    requestContext: {
      routeKey: '$connect',
      eventType: 'CONNECT',
      extendedRequestId: 'ABCD1234=',
      requestTime: '09/Feb/2024:18:11:43 +0000',
      messageDirection: 'IN',
      stage: 'prod',
      connectedAt: 1707502303419,
      requestTimeEpoch: 1707502303420,
      identity: { sourceIp: '192.0.2.1' },
      requestId: 'ABCD1234=',
      domainName: 'abcdef123.execute-api.eu-west-1.amazonaws.com',
      connectionId: 'AAAAAAAAAAAAAAA=',
      apiId: 'abcdef123',
    },
  };
  return event;
}

// The handler takes the events typed by @types/aws-lambda as they are (a compile-time check).
export const acceptsAwsLambdaTypes: (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult> = (
  event,
) => handler(event);

async function refusal(event: WebSocketAuthorizerEvent): Promise<Error> {
  const outcome = await handler(event).then(
    (result: APIGatewayAuthorizerResult) => result,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(Error);
  return outcome as Error;
}

describe('authorizer handler (lambdas/handlers/authorizer.ts)', () => {
  it('allows a valid token: principalId and context from the token, Allow on the $connect method ARN', async () => {
    const { token } = issuer.mint({ sub: 'user-7', name: 'Grace Hopper' });
    const result = await handler(connectEvent({ token }));
    expect(result).toEqual({
      principalId: 'user-7',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN }],
      },
      context: { userId: 'user-7', displayName: 'Grace Hopper' },
    });
  });

  it('throws "Unauthorized" (API Gateway: 401) for a missing token', async () => {
    expect((await refusal(connectEvent(null))).message).toBe(UNAUTHORIZED);
    expect((await refusal(connectEvent({}))).message).toBe(UNAUTHORIZED);
    expect((await refusal(connectEvent({ token: '' }))).message).toBe(UNAUTHORIZED);
  });

  it('throws "Unauthorized" for expired, wrong-audience, garbage and foreign tokens', async () => {
    const other = await createDevTokenIssuer({ issuer: ISSUER, audience: AUDIENCE });
    for (const token of [
      issuer.mint({ sub: 'u', exp: Math.floor(Date.now() / 1000) - 5 }).token,
      issuer.mint({ sub: 'u', aud: 'someone-else' }).token,
      'garbage.garbage.garbage',
      other.mint({ sub: 'u' }).token,
    ]) {
      expect((await refusal(connectEvent({ token }))).message).toBe(UNAUTHORIZED);
    }
  });

  it('says in the log why a connection was refused, and never writes a token there', async () => {
    const log = stdout.join('');
    const lines = log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.message === 'connection refused').map((line) => line.reason)).toEqual([
      'MissingToken',
      'MissingToken',
      'MissingToken',
      'JwtExpiredError',
      'JwtInvalidAudienceError',
      'JwtParseError',
      'JwksFetchRefusedError',
    ]);
    expect(lines.find((line) => line.message === 'connection authorized')).toMatchObject({
      service: 'chat-authorizer-test',
      userId: 'user-7',
      connectionId: 'AAAAAAAAAAAAAAA=',
    });
    expect(tokensUsed.length).toBeGreaterThan(3);
    for (const token of tokensUsed) {
      expect(log).not.toContain(token);
      expect(log).not.toContain(token.split('.').at(-1));
    }
    expect(log).not.toContain('eyJ');
  });
});

describe('createAuthorizerHandler', () => {
  it('refuses with 401 when the verifier itself fails, and logs the failure without the token', async () => {
    const logged: Array<[string, Record<string, unknown> | undefined]> = [];
    const record = (message: string, extra?: Record<string, unknown>) => void logged.push([message, extra]);
    const failing = createAuthorizerHandler(
      { region: 'local', maxConnectionS: 7200 },
      {
        verifier: { verify: () => Promise.reject(new TypeError('jwks endpoint unreachable')) },
        logger: { debug: record, info: record, warn: record, error: record },
      },
    );
    const { token } = issuer.mint({ sub: 'u' });
    await expect(failing(connectEvent({ token }))).rejects.toThrow(UNAUTHORIZED);
    expect(logged).toEqual([['token verification failed', { errorName: 'TypeError' }]]);
  });

  it('fails at cold start, naming the variable, without auth settings', () => {
    expect(() => createAuthorizerHandler({ region: 'local', maxConnectionS: 7200 })).toThrow(/^USER_POOL_ID: /);
  });
});
