// A small HTTP server on 127.0.0.1 that speaks API Gateway's management API (@connections) as far as the notifier
// uses it, records every request, and answers from a per-path script (then 200).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  body: string;
  authorization: string | undefined;
  connection: string | undefined;
  remotePort: number | undefined;
}

export interface ScriptedReply {
  status: number;
  /** Sent as x-amzn-errortype, which the SDK turns into the error's name. */
  errorType?: string;
}

export interface ManagementApiStub {
  endpoint: string;
  requests: RecordedRequest[];
  /** Replies to give, in order, per raw request path (e.g. /@connections/abc%3D). */
  script: Map<string, ScriptedReply[]>;
  /** Frames posted to a connection (the decoded id), parsed. */
  framesTo(connectionId: string): Array<Record<string, unknown>>;
  reset(): void;
  stop(): Promise<void>;
}

export async function startManagementApiStub(): Promise<ManagementApiStub> {
  const requests: RecordedRequest[] = [];
  const script = new Map<string, ScriptedReply[]>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        authorization: request.headers.authorization,
        connection: request.headers.connection,
        remotePort: request.socket.remotePort,
      });
      const reply = script.get(request.url ?? '')?.shift() ?? { status: 200 };
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (reply.errorType) headers['x-amzn-errortype'] = reply.errorType;
      response.writeHead(reply.status, headers);
      response.end(reply.status === 200 ? '' : JSON.stringify({ message: reply.errorType ?? 'error' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    script,
    framesTo(connectionId) {
      const path = `/@connections/${encodeURIComponent(connectionId)}`;
      return requests
        .filter((r) => r.method === 'POST' && r.url.endsWith(path))
        .map((r) => JSON.parse(r.body) as Record<string, unknown>);
    },
    reset() {
      requests.length = 0;
      script.clear();
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
