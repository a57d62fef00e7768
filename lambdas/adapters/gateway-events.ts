// API Gateway WebSocket events → the chat service's requests. The types are the fields we read, so both the real
// events (@types/aws-lambda) and the local gateway emulator's events fit them.
import type { ConnectRequest, DisconnectRequest, FrameRequest } from '../chat/service.js';

/** The authorizer's context, which API Gateway hands to every later event of the connection. */
export interface AuthorizerContext {
  userId: string;
  displayName: string;
}

/** The REQUEST authorizer event of a WebSocket $connect (what we read of it). */
export interface WebSocketAuthorizerEvent {
  type?: string;
  methodArn: string;
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext?: { connectionId?: string; routeKey?: string; domainName?: string; stage?: string } | null;
}

/** A $connect, $disconnect or message-route event (what we read of it). */
export interface WebSocketHandlerEvent {
  /** $connect only: the query string of the handshake (the client's choice: data, checked before it is used). */
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext: {
    connectionId: string;
    connectedAt?: number;
    routeKey?: string;
    eventType?: string;
    domainName?: string;
    stage?: string;
    requestId?: string;
    /** Values of the authorizer's context; API Gateway adds principalId and integrationLatency. */
    authorizer?: Record<string, unknown> | null;
  };
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** The event lacks what the gateway always sends: a deployment mistake, not a client's. */
export class MalformedEventError extends Error {
  constructor(field: string) {
    super(`event: ${field} is missing or not a string`);
    this.name = 'MalformedEventError';
  }
}

/** The client's token: `?token=` on the connect URL (PROTOCOL.md). */
export function tokenFromAuthorizerEvent(event: WebSocketAuthorizerEvent): string | undefined {
  const token = event.queryStringParameters?.token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

export function authorizerContextOf(event: WebSocketHandlerEvent): AuthorizerContext {
  const authorizer = event.requestContext.authorizer;
  const userId = authorizer?.userId;
  const displayName = authorizer?.displayName;
  if (typeof userId !== 'string' || userId === '') throw new MalformedEventError('requestContext.authorizer.userId');
  return { userId, displayName: typeof displayName === 'string' && displayName !== '' ? displayName : userId };
}

function connectionIdOf(event: WebSocketHandlerEvent): string {
  const connectionId = event.requestContext?.connectionId;
  if (typeof connectionId !== 'string' || connectionId === '')
    throw new MalformedEventError('requestContext.connectionId');
  return connectionId;
}

function connectedAtOf(event: WebSocketHandlerEvent, now: number): number {
  const connectedAt = event.requestContext.connectedAt;
  return typeof connectedAt === 'number' && Number.isFinite(connectedAt) ? connectedAt : now;
}

/** A handshake asking for something the protocol does not offer: refused with 400, nothing written. */
export class BadHandshakeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadHandshakeError';
  }
}

/** `watch=1` asks for watch mode (PROTOCOL.md); no `watch` for the default; any other value is refused. */
function watchModeOf(event: WebSocketHandlerEvent): boolean {
  const watch = event.queryStringParameters?.watch;
  if (watch === undefined) return false;
  if (watch === '1') return true;
  throw new BadHandshakeError('watch: 1 or absent');
}

export function toConnectRequest(event: WebSocketHandlerEvent, now: number): ConnectRequest {
  const { userId, displayName } = authorizerContextOf(event);
  const watch = watchModeOf(event);
  return {
    connectionId: connectionIdOf(event),
    userId,
    tokenDisplayName: displayName,
    connectedAt: connectedAtOf(event, now),
    ...(watch && { watch }),
  };
}

export function toFrameRequest(event: WebSocketHandlerEvent, now: number): FrameRequest {
  const { userId } = authorizerContextOf(event);
  const raw = event.body ?? '';
  // A binary frame arrives base64-encoded; the protocol is JSON text, so decode it and let validation speak.
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  return { connectionId: connectionIdOf(event), userId, connectedAt: connectedAtOf(event, now), body };
}

export function toDisconnectRequest(event: WebSocketHandlerEvent): DisconnectRequest {
  const { userId } = authorizerContextOf(event);
  return { connectionId: connectionIdOf(event), userId };
}
