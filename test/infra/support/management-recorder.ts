// The @connections management API as far as the notifier calls it, on 127.0.0.1: it records each request's HTTP
// method and connection, keeps the frames posted, and answers 410 GoneException for connections marked gone.
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
  framesTo(connectionId: string): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startManagementRecorder(): Promise<ManagementRecorder> {
  const calls: ManagementCall[] = [];
  const frames = new Map<string, Array<Record<string, unknown>>>();
  const gone = new Set<string>();
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
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    gone,
    framesTo: (connectionId) => frames.get(connectionId) ?? [],
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
