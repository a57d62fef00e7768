// How API Gateway reads a REQUEST authorizer's answer: the connection is allowed only when a statement allows
// execute-api:Invoke on the $connect method ARN and none denies it; a malformed answer is the gateway's 500.
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import type { AuthorizerContext, AuthorizerContextValue } from './events.js';

export type AuthorizerDecision =
  { outcome: 'allow'; authorizer: AuthorizerContext } | { outcome: 'deny' } | { outcome: 'invalid'; problem: string };

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
}

export function decide(
  result: APIGatewayAuthorizerResult | undefined,
  methodArn: string,
  latencyMs: number,
): AuthorizerDecision {
  if (!result || typeof result !== 'object') return { outcome: 'invalid', problem: 'no authorizer result' };
  if (typeof result.principalId !== 'string') return { outcome: 'invalid', problem: 'principalId missing' };
  const statements = result.policyDocument?.Statement as Statement[] | undefined;
  if (!Array.isArray(statements)) return { outcome: 'invalid', problem: 'policyDocument.Statement missing' };

  const applicable = statements.filter(
    (s) =>
      listOf(s.Action).some((a) => wildcardMatch(a, 'execute-api:Invoke')) &&
      listOf(s.Resource).some((r) => wildcardMatch(r, methodArn)),
  );
  if (applicable.some((s) => s.Effect === 'Deny') || !applicable.some((s) => s.Effect === 'Allow'))
    return { outcome: 'deny' };

  // Gathered in a Map and defined as own properties: a context key is never a prototype or an inherited method.
  const context = new Map<string, AuthorizerContextValue>();
  for (const [key, value] of Object.entries(result.context ?? {})) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      return { outcome: 'invalid', problem: `context.${key} is not a string, number or boolean` };
    }
    context.set(key, value);
  }
  return {
    outcome: 'allow',
    authorizer: { ...Object.fromEntries(context), principalId: result.principalId, integrationLatency: latencyMs },
  };
}

function listOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** IAM-style matching: `*` any run of characters, `?` any one character. */
function wildcardMatch(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}
