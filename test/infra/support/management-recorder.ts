// The @connections management API as far as the notifier calls it, on 127.0.0.1: it records each request's HTTP
// method and connection, keeps the frames posted, answers 410 GoneException for connections marked gone (or closed
// with DELETE), and GET with the lastActiveAt a test set.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ManagementCall {
  method: string;
  connectionId: string;
}

export interface ManagementRecorder {
  endpoint: string;
  calls: ManagementCall[];
  gone: Set<string>;
  /** What GET answers as the connection's lastActiveAt (epoch ms); absent: no lastActiveAt. */
  lastActiveAt: Map<string, number>;
  framesTo(connectionId: string): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startManagementRecorder(): Promise<ManagementRecorder> {
  const calls: ManagementCall[] = [];
  const frames = new Map<string, Array<Record<string, unknown>>>();
  const gone = new Set<string>();
  const lastActiveAt = new Map<string, number>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const match = /\/@connections\/([^/?]+)/.exec(request.url ?? '');
      const connectionId = decodeURIComponent(match?.[1] ?? '');
      calls.push({ method: request.method ?? '', connectionId });
      if (gone.has(connectionId)) {
        response.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
        response.end(JSON.stringify({ message: 'GoneException' }));
        return;
      }
      if (request.method === 'POST') {
        const list = frames.get(connectionId) ?? [];
        list.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        frames.set(connectionId, list);
      }
      if (request.method === 'DELETE') gone.add(connectionId);
      const activeAt = request.method === 'GET' ? lastActiveAt.get(connectionId) : undefined;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        activeAt === undefined ? undefined : JSON.stringify({ lastActiveAt: new Date(activeAt).toISOString() }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    gone,
    lastActiveAt,
    framesTo: (connectionId) => frames.get(connectionId) ?? [],
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
