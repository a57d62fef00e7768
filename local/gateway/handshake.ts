// The WebSocket handshake as API Gateway meets it, before anything is accepted: the checks ws would make, the
// request as the authorizer and $connect see it, and a plain HTTP answer when it is refused.
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { awsStyleId } from './aws-style-id.js';
import type { HandshakeRequest, NameValue } from './events.js';

/** The checks ws makes in handleUpgrade, made before the authorizer runs so a bad handshake never reaches it. */
export function handshakeProblem(request: IncomingMessage): string | undefined {
  if (request.method !== 'GET') return 'Invalid HTTP method';
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') return 'Invalid Upgrade header';
  const key = request.headers['sec-websocket-key'];
  if (!key || !/^[+/0-9A-Za-z]{22}==$/.test(key)) return 'Missing or invalid Sec-WebSocket-Key header';
  if (request.headers['sec-websocket-version'] !== '13') return 'Missing or invalid Sec-WebSocket-Version header';
  return undefined;
}

export function describeHandshake(request: IncomingMessage): HandshakeRequest {
  // API Gateway keeps the client's header case; rawHeaders still has it.
  const headers: NameValue[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2)
    headers.push([request.rawHeaders[i]!, request.rawHeaders[i + 1]!]);
  const query = [...new URL(request.url ?? '/', 'http://gateway.invalid').searchParams];
  const userAgent = request.headers['user-agent'];
  return {
    connectionId: awsStyleId(),
    connectedAt: Date.now(),
    headers,
    query,
    sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    ...(userAgent !== undefined && { userAgent }),
  };
}

/** A real HTTP answer to the upgrade request, as API Gateway gives; the socket never becomes a WebSocket. */
export function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ message });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${statusText(status)}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `x-amzn-RequestId: ${awsStyleId()}\r\n` +
      `\r\n${body}`,
  );
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
