import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES, ROUTE_SELECTION_EXPRESSION, type HandlerName } from '../lambdas/protocol/routes.js';
import type { ChatFunctions } from './chat-functions.js';

/** The query string parameter that carries the ID token (PROTOCOL.md: `wss://...?token=<JWT>`). */
export const TOKEN_IDENTITY_SOURCE = 'route.request.querystring.token';

/**
 * One JSON line per request. Only `$context` fields: none of them holds the query string, so the token that rides
 * in it is never written to the logs.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTime',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  connectionId: '$context.connectionId',
  messageId: '$context.messageId',
  status: '$context.status',
  userId: '$context.authorizer.principalId',
  authorizerStatus: '$context.authorizer.status',
  authorizerError: '$context.authorizer.error',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  integrationError: '$context.integration.error',
  errorMessage: '$context.error.message',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
};

export interface StageThrottle {
  /** Steady requests (connects and frames) per second across the stage. */
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * The default: 500 frames a second steady with bursts of 1,000. Far below the account's 10,000 rps so one noisy
 * stage cannot starve others in the account, and well above what the per-connection rate limit (25 a second)
 * lets a few dozen busy clients send. Raise it with the account quota as the user base grows.
 */
export const DEFAULT_STAGE_THROTTLE: StageThrottle = { rateLimit: 500, burstLimit: 1_000 };

export interface ChatWebSocketApiProps {
  readonly functions: ChatFunctions;
  readonly stageName: string;
  readonly throttle?: StageThrottle;
  readonly accessLogRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The WebSocket API: one route per entry of the shared route table (the local gateway emulator reads the same
 * table), a REQUEST authorizer on `$connect`, and a stage with auto-deploy, throttling and access logs.
 */
export class ChatWebSocketApi extends Construct {
  public readonly api: apigwv2.WebSocketApi;
  public readonly stage: apigwv2.WebSocketStage;
  public readonly routes: ReadonlyMap<string, apigwv2.WebSocketRoute>;
  public readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ChatWebSocketApiProps) {
    super(scope, id);

    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      description: 'Real-time chat (wire protocol v1)',
      routeSelectionExpression: ROUTE_SELECTION_EXPRESSION,
    });

    const authorizer = new WebSocketLambdaAuthorizer('TokenAuthorizer', props.functions.authorizer, {
      identitySource: [TOKEN_IDENTITY_SOURCE],
    });
    // One integration per function, shared by all of its routes.
    const integrations = new Map<HandlerName, WebSocketLambdaIntegration>();
    const integrationFor = (handler: HandlerName) => {
      let integration = integrations.get(handler);
      if (!integration) {
        integration = new WebSocketLambdaIntegration(`${handler}-integration`, props.functions.forHandler(handler));
        integrations.set(handler, integration);
      }
      return integration;
    };

    const routes = new Map<string, apigwv2.WebSocketRoute>();
    for (const { routeKey, handler } of ROUTES) {
      const route = new apigwv2.WebSocketRoute(this, `Route-${routeKey}`, {
        webSocketApi: this.api,
        routeKey,
        integration: integrationFor(handler),
        ...(routeKey === '$connect' && { authorizer }),
      });
      if (routeKey !== '$connect') {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'API Gateway WebSocket APIs accept an authorizer on the $connect route only; every later frame and the ' +
            '$disconnect event travel on the connection that $connect authorized, and the handlers take the user id ' +
            'from that authorization (requestContext.authorizer), never from the frame.',
        });
      }
      routes.set(routeKey, route);
    }
    this.routes = routes;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention,
      removalPolicy: props.removalPolicy,
    });
    const throttle = props.throttle ?? DEFAULT_STAGE_THROTTLE;
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName,
      autoDeploy: true,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }

  /** wss://{apiId}.execute-api.{region}.amazonaws.com/{stage}: where clients connect (add `?token=<JWT>`). */
  public get url(): string {
    return this.stage.url;
  }

  /** https://{apiId}.execute-api.{region}.amazonaws.com/{stage}: the management API (@connections). */
  public get callbackUrl(): string {
    return this.stage.callbackUrl;
  }
}
