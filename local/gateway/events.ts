// The events API Gateway's WebSocket API hands to the authorizer and the route integrations, built field for field
// the way AWS builds them, so the handlers cannot tell the local stack from AWS.
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { awsStyleId } from './aws-style-id.js';

/** The values a REQUEST authorizer's context may carry (API Gateway refuses objects and arrays). */
export type AuthorizerContextValue = string | number | boolean;

/** `requestContext.authorizer` of every event after $connect: the authorizer's context plus its principal. */
export type AuthorizerContext = Record<string, AuthorizerContextValue> & {
  principalId: string;
  integrationLatency: number;
};

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

/** A name and a value, both chosen by the client (a header, a query string parameter). */
export type NameValue = readonly [name: string, value: string];

/**
 * What the handshake request told us, kept for the events of the connection's whole life. Headers and query string
 * stay name/value lists: the names are the client's, so they only become object keys in `clientRecord`.
 */
export interface HandshakeRequest {
  connectionId: string;
  connectedAt: number;
  /** In the client's order and case, repeats included. */
  headers: readonly NameValue[];
  /** Decoded; empty when the URL has no query string. */
  query: readonly NameValue[];
  sourceIp: string;
  userAgent?: string;
}

export function connectMethodArn(api: ApiIdentity): string {
  return `arn:aws:execute-api:${api.region}:${api.accountId}:${api.apiId}/${api.stage}/$connect`;
}

export function buildAuthorizerEvent(
  api: ApiIdentity,
  handshake: HandshakeRequest,
  now: number,
): APIGatewayRequestAuthorizerEvent {
  const requestContext = requestContextFor(api, handshake, '$connect', 'CONNECT', now);
  // The WebSocket flavour of the REQUEST event has no resource/path/httpMethod; the shared type insists on them.
  const hasQuery = handshake.query.length > 0;
  const event = {
    type: 'REQUEST' as const,
    methodArn: connectMethodArn(api),
    headers: clientRecord(handshake.headers, 'last'),
    multiValueHeaders: clientRecord(handshake.headers, 'all'),
    queryStringParameters: hasQuery ? clientRecord(handshake.query, 'last') : null,
    multiValueQueryStringParameters: hasQuery ? clientRecord(handshake.query, 'all') : null,
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
    headers: clientRecord(handshake.headers, 'last'),
    multiValueHeaders: clientRecord(handshake.headers, 'all'),
    ...(handshake.query.length > 0 && {
      queryStringParameters: clientRecord(handshake.query, 'last'),
      multiValueQueryStringParameters: clientRecord(handshake.query, 'all'),
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
    headers: clientRecord(pick(handshake.headers, DISCONNECT_HEADERS), 'last'),
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
    identity: {
      sourceIp: handshake.sourceIp,
      ...(handshake.userAgent !== undefined && { userAgent: handshake.userAgent }),
    },
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

/** The only headers API Gateway hands to $disconnect (lower case, for comparison). */
const DISCONNECT_HEADERS = new Set(['host', 'user-agent', 'x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto']);

function pick(pairs: readonly NameValue[], lowerCaseNames: ReadonlySet<string>): NameValue[] {
  return pairs.filter(([name]) => lowerCaseNames.has(name.toLowerCase()));
}

/**
 * An event field keyed by names the client chose (headers, query string). The event shape needs a plain object; it
 * is built the way JSON.parse builds it on AWS, with own data properties only (Object.fromEntries defines them), so
 * a name such as `__proto__`, `constructor` or `toString` is just data: it never sets the prototype and never finds
 * an inherited method where a value (or a list) was expected. The values are gathered in a Map first for the same
 * reason. 'last': one value per name, the last one wins, as API Gateway's `headers`; 'all': every value in order.
 */
function clientRecord(pairs: readonly NameValue[], values: 'last'): Record<string, string>;
function clientRecord(pairs: readonly NameValue[], values: 'all'): Record<string, string[]>;
function clientRecord(pairs: readonly NameValue[], values: 'last' | 'all'): Record<string, string | string[]> {
  const byName = new Map<string, string | string[]>();
  for (const [name, value] of pairs) {
    const seen = byName.get(name);
    if (values === 'last') byName.set(name, value);
    else if (Array.isArray(seen)) seen.push(value);
    else byName.set(name, [value]);
  }
  return Object.fromEntries(byName);
}
