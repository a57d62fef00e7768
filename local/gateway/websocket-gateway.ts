// An API Gateway WebSocket API on one machine: it authorizes and connects a handshake before accepting it, turns each
// client message into a route invocation, enforces API Gateway's frame, message, idle and duration limits, and runs
// $disconnect exactly once per accepted connection. The @connections management API (management-api.ts) reaches
// open connections through post/describe/disconnect.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../lambdas/chat/ports.js';
import { LIMITS, selectRoute } from '../../lambdas/protocol/index.js';
import { decide } from './authorizer-policy.js';
import {
  buildAuthorizerEvent,
  buildConnectEvent,
  buildDisconnectEvent,
  buildMessageEvent,
  connectMethodArn,
  type ApiIdentity,
  type AuthorizerContext,
  type HandshakeRequest,
  type WebSocketRouteEvent,
} from './events.js';
import { createFrameInspector } from './frame-inspector.js';
import { describeHandshake, handshakeProblem, refuse } from './handshake.js';

export type AuthorizerFunction = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
export type RouteFunction = (event: WebSocketRouteEvent) => Promise<{ statusCode?: number } | void | undefined>;

export interface GatewayIntegrations {
  authorizer: AuthorizerFunction;
  connect: RouteFunction;
  disconnect: RouteFunction;
  message: RouteFunction;
}

export interface GatewayOptions {
  api: ApiIdentity;
  integrations: GatewayIntegrations;
  idleTimeoutS: number;
  maxConnectionS: number;
  logger: Logger;
  frameMaxBytes?: number;
  messageMaxBytes?: number;
}

/** GetConnection's answer. */
export interface ConnectionDescription {
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent?: string;
}

export type PostOutcome = 'sent' | 'gone';

/** Close codes and reasons as API Gateway sends them. */
const CLOSE = {
  normal: { code: 1000, reason: 'Normal closure' },
  goingAway: { code: 1001, reason: 'Going away' },
  tooBig: { code: 1009, reason: 'Message too big' },
};

/** ws's error codes for a client that broke the protocol, and the close code ws sent for each. */
const PROTOCOL_ERROR_CLOSE_CODES = new Map([
  ['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009],
  ['WS_ERR_INVALID_UTF8', 1007],
]);

/** The first frame an API Gateway client sees when an integration fails; it has no `type`, so clients ignore it. */
const INTEGRATION_FAILURE = 'Internal server error';

/** Node caps timers at 2^31-1 ms; longer limits are as good as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface OpenConnection {
  handshake: HandshakeRequest;
  authorizer: AuthorizerContext;
  socket: WebSocket;
  lastActiveAt: number;
  timers: NodeJS.Timeout[];
  /** Set once the connection is done for; $disconnect runs with it and nothing more is delivered either way. */
  disconnected?: Promise<void>;
}

export class WebSocketGateway {
  private readonly connections = new Map<string, OpenConnection>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly sockets = new Set<WebSocket>();
  private readonly wss: WebSocketServer;
  private readonly frameMaxBytes: number;
  private accepting = true;

  constructor(private readonly options: GatewayOptions) {
    this.frameMaxBytes = options.frameMaxBytes ?? LIMITS.frameMaxBytes;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      // ws enforces the message limit (1009 on its own); the frame limit is the frame inspector's.
      maxPayload: options.messageMaxBytes ?? LIMITS.messageMaxBytes,
      // API Gateway does not negotiate compression, and frame sizes must be the bytes on the wire.
      perMessageDeflate: false,
    });
  }

  /** The http.Server 'upgrade' listener. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Until ws owns the socket nobody else listens for its errors, and an unheard error would end the process.
    socket.on('error', () => undefined);
    const problem = handshakeProblem(request);
    if (problem) return refuse(socket, 400, problem);
    if (!this.accepting) return refuse(socket, 503, 'Service Unavailable');
    this.track(
      this.completeHandshake(request, socket, head).catch((error: unknown) => {
        // A handshake must always be answered: an unanswered one hangs its client and holds the server open on stop.
        this.options.logger.error('handshake failed', { error: describeError(error) });
        refuse(socket, 500, INTEGRATION_FAILURE);
      }),
    );
  }

  /** PostToConnection: one text frame with exactly these bytes. */
  async post(connectionId: string, data: Buffer): Promise<PostOutcome> {
    const connection = this.connections.get(connectionId);
    if (!connection || connection.disconnected || connection.socket.readyState !== WebSocket.OPEN) return 'gone';
    return new Promise((resolve) => {
      connection.socket.send(data, { binary: false }, (error) => resolve(error ? 'gone' : 'sent'));
    });
  }

  describe(connectionId: string): ConnectionDescription | undefined {
    const connection = this.connections.get(connectionId);
    if (!connection || connection.disconnected) return undefined;
    return {
      connectedAt: connection.handshake.connectedAt,
      lastActiveAt: connection.lastActiveAt,
      sourceIp: connection.handshake.sourceIp,
      ...(connection.handshake.userAgent !== undefined && { userAgent: connection.handshake.userAgent }),
    };
  }

  /** DeleteConnection: closes the socket; $disconnect runs in the background, as on AWS. False when unknown. */
  disconnect(connectionId: string): boolean {
    const connection = this.connections.get(connectionId);
    if (!connection || connection.disconnected) return false;
    this.endConnection(connection, CLOSE.normal.code, CLOSE.normal.reason, true);
    return true;
  }

  /**
   * Stops accepting, closes every open connection with 1001 and waits until every $disconnect (and every handler
   * still running) has finished, so the store can be closed right after.
   */
  async close(): Promise<void> {
    this.accepting = false;
    for (const connection of [...this.connections.values()]) {
      this.endConnection(connection, CLOSE.goingAway.code, CLOSE.goingAway.reason, true);
    }
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.waitForSocketsToClose(1_000);
    for (const socket of this.sockets) socket.terminate();
  }

  private async completeHandshake(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    let clientLeft = false;
    socket.once('close', () => {
      clientLeft = true;
    });
    const handshake = describeHandshake(request);
    const { api, integrations, logger } = this.options;
    const log = { connectionId: handshake.connectionId };

    const authorizerStarted = Date.now();
    let result: APIGatewayAuthorizerResult;
    try {
      result = await integrations.authorizer(buildAuthorizerEvent(api, handshake, authorizerStarted));
    } catch (error) {
      // API Gateway's convention: an authorizer that throws 'Unauthorized' means 401; anything else is its 500.
      if (error instanceof Error && error.message === 'Unauthorized') return refuse(socket, 401, 'Unauthorized');
      logger.error('authorizer failed', { ...log, error: describeError(error) });
      return refuse(socket, 500, INTEGRATION_FAILURE);
    }
    const decision = decide(result, connectMethodArn(api), Date.now() - authorizerStarted);
    if (decision.outcome === 'deny') return refuse(socket, 401, 'Unauthorized');
    if (decision.outcome === 'invalid') {
      logger.error('authorizer returned an invalid answer', { ...log, problem: decision.problem });
      return refuse(socket, 500, INTEGRATION_FAILURE);
    }
    const { authorizer } = decision;

    try {
      const response = await integrations.connect(buildConnectEvent(api, handshake, authorizer, Date.now()));
      const statusCode = response?.statusCode ?? 200;
      if (statusCode < 200 || statusCode > 299) {
        logger.warn('$connect refused the connection', { ...log, statusCode });
        return refuse(socket, statusCode >= 400 && statusCode <= 599 ? statusCode : 500, INTEGRATION_FAILURE);
      }
    } catch (error) {
      logger.error('$connect failed', { ...log, error: describeError(error) });
      return refuse(socket, 500, INTEGRATION_FAILURE);
    }

    // $connect ran, so from here on the connection must end with $disconnect, even if it never opens.
    if (!this.accepting) {
      refuse(socket, 503, 'Service Unavailable');
      return this.runDisconnect(handshake, authorizer, CLOSE.goingAway.code, CLOSE.goingAway.reason);
    }
    let accepted: WebSocket | undefined;
    if (!clientLeft) {
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        accepted = ws;
      });
    }
    if (!accepted) {
      logger.info('client left during the handshake', log);
      return this.runDisconnect(handshake, authorizer, 1006, 'Client left before the connection opened');
    }
    this.open(handshake, authorizer, accepted, socket);
  }

  private open(handshake: HandshakeRequest, authorizer: AuthorizerContext, ws: WebSocket, socket: Duplex): void {
    // The handshake is the client's last activity until its first frame.
    const connection: OpenConnection = {
      handshake,
      authorizer,
      socket: ws,
      lastActiveAt: handshake.connectedAt,
      timers: [],
    };
    this.connections.set(handshake.connectionId, connection);
    this.sockets.add(ws);
    const { idleTimeoutS, maxConnectionS, logger } = this.options;
    const log = { connectionId: handshake.connectionId };

    const idleTimer = setTimeout(
      () => {
        logger.info('idle timeout', log);
        this.endConnection(connection, CLOSE.goingAway.code, CLOSE.goingAway.reason, true);
      },
      Math.min(idleTimeoutS * 1000, MAX_TIMER_MS),
    );
    const durationTimer = setTimeout(
      () => {
        logger.info('maximum connection duration reached', log);
        this.endConnection(connection, CLOSE.goingAway.code, CLOSE.goingAway.reason, true);
      },
      Math.min(maxConnectionS * 1000, MAX_TIMER_MS),
    );
    connection.timers.push(idleTimer, durationTimer);
    for (const timer of connection.timers) timer.unref();

    // Prepended, so it reads each chunk before ws parses it and can close before an oversized frame is delivered.
    socket.prependListener(
      'data',
      createFrameInspector(this.frameMaxBytes, {
        onDataFrame: () => {
          // A refreshed timer is re-armed even after it fired: a closing connection must not get one back.
          if (connection.disconnected) return;
          connection.lastActiveAt = Date.now();
          idleTimer.refresh();
        },
        onOversizedFrame: (payloadBytes) => {
          logger.info('client frame too big', { ...log, payloadBytes });
          this.endConnection(connection, CLOSE.tooBig.code, CLOSE.tooBig.reason, true);
        },
      }),
    );

    ws.on('message', (data) => {
      if (connection.disconnected) return;
      // API Gateway hands binary messages to the integration as well; the chat protocol is text, so decode as text.
      const body = rawDataToString(data);
      this.track(this.invokeMessage(connection, body));
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // ws has already sent the close frame (1009 for a message over maxPayload) and stops reading, so it never sees
      // the client's answer and would report 1006: $disconnect is told the code the gateway closed with instead.
      logger.info('client broke a websocket rule', { ...log, error: error.message });
      const code = PROTOCOL_ERROR_CLOSE_CODES.get(error.code ?? '') ?? 1002;
      this.endConnection(connection, code, code === CLOSE.tooBig.code ? CLOSE.tooBig.reason : error.message, false);
    });
    ws.on('close', (code, reason) => {
      this.sockets.delete(ws);
      this.endConnection(connection, code, reason.toString() || closeReasonFor(code), false);
    });
    logger.info('connection opened', log);
  }

  private async invokeMessage(connection: OpenConnection, body: string): Promise<void> {
    const { handshake, authorizer } = connection;
    const routeKey = selectRoute(body);
    const event = buildMessageEvent(this.options.api, handshake, authorizer, routeKey, body, Date.now());
    try {
      const response = await this.options.integrations.message(event);
      const statusCode = response?.statusCode ?? 200;
      if (statusCode < 200 || statusCode > 299) {
        this.options.logger.warn('route integration answered an error status', {
          connectionId: handshake.connectionId,
          routeKey,
          statusCode,
        });
      }
    } catch (error) {
      this.options.logger.error('route integration failed', {
        connectionId: handshake.connectionId,
        routeKey,
        error: describeError(error),
      });
      const frame = JSON.stringify({
        message: INTEGRATION_FAILURE,
        connectionId: handshake.connectionId,
        requestId: event.requestContext.requestId,
      });
      if (!connection.disconnected && connection.socket.readyState === WebSocket.OPEN) connection.socket.send(frame);
    }
  }

  /** Ends a connection once: forgets it, stops its timers, closes the socket if we end it, runs $disconnect. */
  private endConnection(connection: OpenConnection, code: number, reason: string, closeSocket: boolean): void {
    if (connection.disconnected) return;
    for (const timer of connection.timers) clearTimeout(timer);
    this.connections.delete(connection.handshake.connectionId);
    if (closeSocket && connection.socket.readyState === WebSocket.OPEN) connection.socket.close(code, reason);
    this.options.logger.info('connection closed', { connectionId: connection.handshake.connectionId, code });
    connection.disconnected = this.runDisconnect(connection.handshake, connection.authorizer, code, reason);
  }

  private runDisconnect(
    handshake: HandshakeRequest,
    authorizer: AuthorizerContext,
    code: number,
    reason: string,
  ): Promise<void> {
    const event = buildDisconnectEvent(this.options.api, handshake, authorizer, code, reason, Date.now());
    // Through a promise even if the integration throws synchronously: callers are timers and socket events.
    const run = Promise.resolve(event)
      .then((e) => this.options.integrations.disconnect(e))
      .then(
        () => undefined,
        (error: unknown) => {
          this.options.logger.error('$disconnect failed', {
            connectionId: handshake.connectionId,
            error: describeError(error),
          });
        },
      );
    this.track(run);
    return run;
  }

  private track(promise: Promise<unknown>): void {
    const settled = promise.catch((error: unknown) => {
      this.options.logger.error('unexpected gateway failure', { error: describeError(error) });
    });
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }

  private async waitForSocketsToClose(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

function closeReasonFor(code: number): string {
  if (code === 1005) return 'Client-side close frame status not set';
  if (code === 1006) return 'Connection closed abnormally';
  return '';
}

function rawDataToString(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
