// How the gateway reads an authorizer's answer, as API Gateway does: an Allow on the method ARN lets the connection
// in (with the context), a Deny or no matching Allow keeps it out, a malformed answer is the gateway's 500.
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { decide } from '../../../local/gateway/authorizer-policy.js';

const ARN = 'arn:aws:execute-api:us-east-1:000000000000:local/local/$connect';

function result(statements: unknown[], context?: Record<string, unknown>): APIGatewayAuthorizerResult {
  return {
    principalId: 'user-1',
    policyDocument: { Version: '2012-10-17', Statement: statements as never },
    ...(context && { context: context as never }),
  };
}

describe('authorizer policy', () => {
  it('allows on a matching Allow and passes the context with principalId and integrationLatency', () => {
    expect(
      decide(
        result([{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: ARN }], { userId: 'u', n: 1, ok: true }),
        ARN,
        7,
      ),
    ).toEqual({
      outcome: 'allow',
      authorizer: { userId: 'u', n: 1, ok: true, principalId: 'user-1', integrationLatency: 7 },
    });
  });

  it('matches wildcards and lists', () => {
    const wildcard = result([
      { Effect: 'Allow', Action: ['execute-api:*'], Resource: ['arn:other', 'arn:aws:execute-api:*:*:local/*'] },
    ]);
    expect(decide(wildcard, ARN, 0).outcome).toBe('allow');
  });

  it.each([
    ['an explicit Deny', [{ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: ARN }]],
    [
      'a Deny beside an Allow',
      [
        { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: ARN },
        { Effect: 'Deny', Action: '*', Resource: '*' },
      ],
    ],
    [
      'an Allow on another resource',
      [
        {
          Effect: 'Allow',
          Action: 'execute-api:Invoke',
          Resource: 'arn:aws:execute-api:us-east-1:000000000000:other/*',
        },
      ],
    ],
    ['an Allow of another action', [{ Effect: 'Allow', Action: 's3:GetObject', Resource: ARN }]],
    ['no statements', []],
  ])('denies %s', (_label, statements) => {
    expect(decide(result(statements), ARN, 0)).toEqual({ outcome: 'deny' });
  });

  it('treats a malformed answer as invalid', () => {
    expect(decide(undefined, ARN, 0).outcome).toBe('invalid');
    expect(decide({ policyDocument: { Version: '2012-10-17', Statement: [] } } as never, ARN, 0).outcome).toBe(
      'invalid',
    );
    const objectInContext = result([{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: ARN }], {
      nested: { a: 1 },
    });
    expect(decide(objectInContext, ARN, 0)).toEqual({
      outcome: 'invalid',
      problem: 'context.nested is not a string, number or boolean',
    });
  });
});
