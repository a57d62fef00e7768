// An SQS endpoint on 127.0.0.1 for the local stack: its own HTTP server speaking the SQS JSON API
// (sqs-json-api.ts) over in-memory queues (local-queue.ts). Queue URLs look like AWS's: <endpoint>/<account>/<name>.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalQueue, type RedrivePolicy } from './local-queue.js';
import { handleSqsRequest } from './sqs-json-api.js';

const HOST = '127.0.0.1';
const ACCOUNT_ID = '000000000000';

export interface LocalSqs {
  /** http://127.0.0.1:PORT: the SQS client's endpoint. */
  endpoint: string;
  createQueue(name: string, options: { visibilityTimeoutMs: number; redrive?: RedrivePolicy }): LocalQueue;
  stop(): Promise<void>;
}

export async function startLocalSqs(options: { region: string; port?: number }): Promise<LocalSqs> {
  const queuesByName = new Map<string, LocalQueue>();
  const queuesByUrl = new Map<string, LocalQueue>();
  const directory = {
    byName: (name: unknown) => (typeof name === 'string' ? queuesByName.get(name) : undefined),
    byUrl: (url: unknown) => (typeof url === 'string' ? queuesByUrl.get(url) : undefined),
  };
  const server: Server = createServer((request, response) => {
    handleSqsRequest(directory, request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  const endpoint = `http://${HOST}:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    createQueue(name, queueOptions) {
      if (queuesByName.has(name)) throw new Error(`queue ${name} exists`);
      const queue = new LocalQueue(
        name,
        `${endpoint}/${ACCOUNT_ID}/${name}`,
        `arn:aws:sqs:${options.region}:${ACCOUNT_ID}:${name}`,
        queueOptions.visibilityTimeoutMs,
        queueOptions.redrive,
      );
      queuesByName.set(name, queue);
      queuesByUrl.set(queue.url, queue);
      return queue;
    },
    stop() {
      // Long polls in progress answer at once (empty) so their sockets can close.
      for (const queue of queuesByName.values()) queue.close();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
