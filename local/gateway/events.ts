// The events API Gateway's WebSocket API hands to the authorizer and the route integrations, built field for field
// the way AWS builds them, so the handlers cannot tell the local stack from AWS.
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { awsStyleId } from './aws-style-id.js';

/** The values a REQUEST authorizer's context may carry (API Gateway refuses objects and arrays). */
export type AuthorizerContextValue = string | number | boolean;

/** `requestContext.authorizer` of every event after $connect: the authorizer's context plus its principal. */
export type AuthorizerContext = Record<string, AuthorizerContextValue> & { principalId: string; integrationLatency: number };

export interface WebSocketRequestContext {
  routeKey: string;
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  messageId?: string;
  extendedRequestId: string;
  requestTime: string;
  messageDirection: 'IN';
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  identity: { sourceIp: string; userAgent?: string };
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
  authorizer: AuthorizerContext;
  disconnectStatusCode?: number;
  disconnectReason?: string;
}

export interface WebSocketRouteEvent {
  requestContext: WebSocketRequestContext;
  body?: string;
  isBase64Encoded: boolean;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
}

/** Where the emulated API lives; the same for every event. */
export interface ApiIdentity {
  apiId: string;
  stage: string;
  domainName: string;
  region: string;
  accountId: string;
}

/** What the handshake request told us, kept for the events of the connection's whole life. */
export interface HandshakeRequest {
  connectionId: string;
  connectedAt: number;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  sourceIp: string;
  userAgent?: string;
}

export function connectMethodArn(api: ApiIdentity): string {
  return `arn:aws:execute-api:${api.region}:${api.accountId}:${api.apiId}/${api.stage}/$connect`;
}

export function buildAuthorizerEvent(api: ApiIdentity, handshake: HandshakeRequest, now: number): APIGatewayRequestAuthorizerEvent {
  const requestContext = requestContextFor(api, handshake, '$connect', 'CONNECT', now);
  // The WebSocket flavour of the REQUEST event has no resource/path/httpMethod; the shared type insists on them.
  const event = {
    type: 'REQUEST' as const,
    methodArn: connectMethodArn(api),
    headers: handshake.headers,
    multiValueHeaders: handshake.multiValueHeaders,
    queryStringParameters: handshake.queryStringParameters ?? null,
    multiValueQueryStringParameters: handshake.multiValueQueryStringParameters ?? null,
    stageVariables: {},
    requestContext,
  };
  return event as unknown as APIGatewayRequestAuthorizerEvent;
}

export function buildConnectEvent(
  api: ApiIdentity,
  handshake: HandshakeRequest,
  authorizer: AuthorizerContext,
  now: number,
): WebSocketRouteEvent {
  return {
    headers: handshake.headers,
    multiValueHeaders: handshake.multiValueHeaders,
    ...(handshake.queryStringParameters && {
      queryStringParameters: handshake.queryStringParameters,
      multiValueQueryStringParameters: handshake.multiValueQueryStringParameters,
    }),
    requestContext: { ...requestContextFor(api, handshake, '$connect', 'CONNECT', now), authorizer },
    isBase64Encoded: false,
  };
}

export function buildMessageEvent(
  api: ApiIdentity,
  handshake: HandshakeRequest,
  authorizer: AuthorizerContext,
  routeKey: string,
  body: string,
  now: number,
): WebSocketRouteEvent {
  return {
    requestContext: {
      ...requestContextFor(api, handshake, routeKey, 'MESSAGE', now),
      messageId: awsStyleId(),
      authorizer,
    },
    body,
    isBase64Encoded: false,
  };
}

export function buildDisconnectEvent(
  api: ApiIdentity,
  handshake: HandshakeRequest,
  authorizer: AuthorizerContext,
  statusCode: number,
  reason: string,
  now: number,
): WebSocketRouteEvent {
  return {
    headers: pick(handshake.headers, ['Host', 'User-Agent', 'X-Forwarded-For', 'X-Forwarded-Port', 'X-Forwarded-Proto']),
    requestContext: {
      ...requestContextFor(api, handshake, '$disconnect', 'DISCONNECT', now),
      disconnectStatusCode: statusCode,
      disconnectReason: reason,
      authorizer,
    },
    isBase64Encoded: false,
  };
}

function requestContextFor(
  api: ApiIdentity,
  handshake: HandshakeRequest,
  routeKey: string,
  eventType: WebSocketRequestContext['eventType'],
  now: number,
): Omit<WebSocketRequestContext, 'authorizer'> {
  return {
    routeKey,
    eventType,
    extendedRequestId: awsStyleId(),
    requestTime: clfTime(now),
    messageDirection: 'IN',
    stage: api.stage,
    connectedAt: handshake.connectedAt,
    requestTimeEpoch: now,
    identity: { sourceIp: handshake.sourceIp, ...(handshake.userAgent !== undefined && { userAgent: handshake.userAgent }) },
    requestId: awsStyleId(),
    domainName: api.domainName,
    connectionId: handshake.connectionId,
    apiId: api.apiId,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's requestTime format: `27/Nov/2025:22:58:00 +0000`. */
function clfTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function pick(headers: Record<string, string>, names: string[]): Record<string, string> {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => wanted.has(name.toLowerCase())));
}
