// Small helpers shared by the local stack's HTTP endpoints.
import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(text);
}

/**
 * Reads the request body. Past `limitBytes` it keeps reading (so the connection stays usable for keep-alive) but
 * stops collecting, and reports the body as too large.
 */
export async function readBody(
  request: IncomingMessage,
  limitBytes: number,
): Promise<{ body: Buffer; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limitBytes) chunks.push(chunk);
  }
  return size > limitBytes
    ? { body: Buffer.alloc(0), tooLarge: true }
    : { body: Buffer.concat(chunks), tooLarge: false };
}
