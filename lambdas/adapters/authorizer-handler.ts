// The $connect REQUEST authorizer: verifies the token from `?token=` and hands the user's id and display name to
// every later event of the connection (API Gateway passes the context along). Kept apart from the chat wiring so
// the authorizer's bundle carries no DynamoDB code: its cold start sits in every first connect.
import type { APIGatewayAuthorizerResult, Context } from 'aws-lambda';
import type { Logger, Metrics } from '../chat/ports.js';
import { ConfigError, type RuntimeConfig } from './config.js';
import { tokenFromAuthorizerEvent, type WebSocketAuthorizerEvent } from './gateway-events.js';
import { createTokenVerifier, TokenRejectedError, type TokenVerifier } from './jwt-verifier.js';
import { observabilityFor } from './observability.js';

/**
 * What the authorizer throws for a missing or refused token. API Gateway answers a thrown "Unauthorized" with
 * HTTP 401 (a returned Deny policy would be a 403, and WebSocket APIs cannot remap it); the local gateway maps it
 * to 401 too. The handshake fails either way and nothing is written.
 */
export const UNAUTHORIZED = 'Unauthorized';

export interface AuthorizerOverrides {
  verifier: TokenVerifier;
  logger: Logger;
  metrics: Metrics;
}

export type AuthorizerHandler = (
  event: WebSocketAuthorizerEvent,
  context?: Context,
) => Promise<APIGatewayAuthorizerResult>;

export function createAuthorizerHandler(
  config: RuntimeConfig,
  overrides: Partial<AuthorizerOverrides> = {},
): AuthorizerHandler {
  if (!overrides.verifier && !config.auth) {
    throw new ConfigError('USER_POOL_ID', 'the authorizer needs the auth settings (load the config with need "auth")');
  }
  const verifier = overrides.verifier ?? createTokenVerifier(config.auth!);
  const observability = observabilityFor(config, overrides);
  const { logger } = observability;

  return (event, context) =>
    observability.run(
      context,
      { routeKey: '$connect', connectionId: event.requestContext?.connectionId ?? undefined },
      async () => {
        // Nothing here logs the event or the token: the event carries the token in its query string.
        const token = tokenFromAuthorizerEvent(event);
        if (!token) {
          logger.info('connection refused', { reason: 'MissingToken' });
          throw new Error(UNAUTHORIZED);
        }
        let identity: { userId: string; displayName: string };
        try {
          identity = await verifier.verify(token);
        } catch (error) {
          if (error instanceof TokenRejectedError) logger.info('connection refused', { reason: error.reason });
          else logger.error('token verification failed', { errorName: (error as Error | null)?.name ?? 'unknown' });
          throw new Error(UNAUTHORIZED);
        }
        logger.debug('connection authorized', { userId: identity.userId });
        return {
          principalId: identity.userId,
          policyDocument: {
            Version: '2012-10-17',
            Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
          },
          context: { userId: identity.userId, displayName: identity.displayName },
        };
      },
    );
}
