// The API Gateway management API (@connections) as API Gateway serves it to the handlers' signed requests and to
// the real @aws-sdk/client-apigatewaymanagementapi client: restJson1, errors named by the x-amzn-errortype header.
// Every call's SigV4 signature is checked against the local credentials (sigv4-verifier.ts) and refused with 403
// when it does not verify, as on AWS; the count of both is kept, so a test can show that every post verified.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS } from '../lambdas/protocol/index.js';
import { awsStyleId } from './gateway/aws-style-id.js';
import type { WebSocketGateway } from './gateway/websocket-gateway.js';
import { readBody, sendJson } from './http-util.js';
import type { SignatureCheck, SignedRequest } from './sigv4-verifier.js';

export interface ManagementApi {
  /** The signature check of every call; undefined accepts every call unchecked. */
  verifySignature: ((request: SignedRequest) => Promise<SignatureCheck>) | undefined;
  /** Calls whose signature verified, and calls refused for their signature (or for having none). */
  readonly signatures: { verified: number; refused: number };
}

/** `/@connections/<id>`, optionally behind a stage segment as in `https://<api>/<stage>/@connections/<id>`. */
const CONNECTION_PATH = /^(?:\/[^/@]+)?\/@connections\/([^/]+)$/;

/** Bodies past the message limit are read and dropped, but a body this big is cut off instead. */
const MAX_READ_BYTES = 16 * 1024 * 1024;

/** Handles the request when it is a management API call; false when the path is not one. */
export async function handleManagementRequest(
  api: ManagementApi,
  gateway: WebSocketGateway,
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
): Promise<boolean> {
  const match = CONNECTION_PATH.exec(pathname);
  if (!match) return false;
  let connectionId: string;
  try {
    connectionId = decodeURIComponent(match[1]!);
  } catch {
    sendError(response, 400, 'BadRequestException', 'Invalid connection id');
    return true;
  }

  const declaredLength = Number(request.headers['content-length'] ?? 0);
  if (declaredLength > MAX_READ_BYTES) {
    sendError(response, 413, 'PayloadTooLargeException', 'Request entity too large');
    request.destroy();
    return true;
  }
  const { body, tooLarge } = await readBody(request, LIMITS.messageMaxBytes);
  if (tooLarge) {
    sendError(response, 413, 'PayloadTooLargeException', 'Request entity too large');
    return true;
  }
  if (api.verifySignature) {
    const check = await api.verifySignature({
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers: request.headers,
      body,
    });
    if (!check.valid) {
      api.signatures.refused += 1;
      const errorType = check.missing ? 'MissingAuthenticationTokenException' : 'InvalidSignatureException';
      sendError(response, 403, errorType, check.reason);
      return true;
    }
    api.signatures.verified += 1;
  }
  await dispatch(gateway, request, response, connectionId, body);
  return true;
}

async function dispatch(
  gateway: WebSocketGateway,
  request: IncomingMessage,
  response: ServerResponse,
  connectionId: string,
  body: Buffer,
): Promise<void> {
  switch (request.method) {
    case 'POST': {
      if ((await gateway.post(connectionId, body)) === 'gone') return sendGone(response);
      response.writeHead(200, { 'Content-Length': 0, ...requestIdHeader() }).end();
      return;
    }
    case 'GET': {
      const connection = gateway.describe(connectionId);
      if (!connection) return sendGone(response);
      // restJson1 names: the SDK maps connectedAt to ConnectedAt (a Date), identity.sourceIp to Identity.SourceIp.
      const identity = {
        sourceIp: connection.sourceIp,
        ...(connection.userAgent !== undefined && { userAgent: connection.userAgent }),
      };
      const body = {
        connectedAt: new Date(connection.connectedAt).toISOString(),
        identity,
        lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
      };
      return sendJson(response, 200, body, requestIdHeader());
    }
    case 'DELETE':
      if (!gateway.disconnect(connectionId)) return sendGone(response);
      response.writeHead(204, requestIdHeader()).end();
      return;
    default:
      response.writeHead(405, { Allow: 'GET, POST, DELETE' }).end();
  }
}

function sendGone(response: ServerResponse): void {
  sendError(response, 410, 'GoneException', 'Connection is gone');
}

function sendError(response: ServerResponse, status: number, errorType: string, message: string): void {
  sendJson(response, status, { message }, { 'x-amzn-errortype': errorType, ...requestIdHeader() });
}

function requestIdHeader(): Record<string, string> {
  return { 'x-amzn-RequestId': awsStyleId() };
}
