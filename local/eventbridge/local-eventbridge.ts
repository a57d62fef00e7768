// An EventBridge endpoint on 127.0.0.1 for the local stack: its own HTTP server speaking PutEvents
// (put-events-api.ts) over in-memory buses that keep what was put on them, newest last, for GET /dev/events. Rules
// and targets are not emulated: the list is where a test or a developer sees what an operator's rule would get.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handlePutEventsRequest, type PutEvent } from './put-events-api.js';

const HOST = '127.0.0.1';
const ACCOUNT_ID = '000000000000';
/** The newest events kept; older ones are dropped, so a long-running stack does not grow without bound. */
export const LOCAL_EVENTS_KEPT = 1_000;

export interface LocalEventBridge {
  /** http://127.0.0.1:PORT: the EventBridge client's endpoint. */
  endpoint: string;
  /** Creates a custom bus; `default` always exists. Returns its ARN. */
  createEventBus(name: string): string;
  /** What was put, oldest first (at most LOCAL_EVENTS_KEPT). */
  events(): PutEvent[];
  stop(): Promise<void>;
}

export async function startLocalEventBridge(options: { region: string; port?: number }): Promise<LocalEventBridge> {
  const buses = new Set<string>(['default']);
  const arnPrefix = `arn:aws:events:${options.region}:${ACCOUNT_ID}:event-bus/`;
  const recorded: PutEvent[] = [];
  const directory = {
    region: options.region,
    account: ACCOUNT_ID,
    busNamed(nameOrArn: string) {
      const name = nameOrArn.startsWith(arnPrefix) ? nameOrArn.slice(arnPrefix.length) : nameOrArn;
      return buses.has(name) ? name : undefined;
    },
    record(event: PutEvent) {
      recorded.push(event);
      if (recorded.length > LOCAL_EVENTS_KEPT) recorded.splice(0, recorded.length - LOCAL_EVENTS_KEPT);
    },
  };
  const server: Server = createServer((request, response) => {
    handlePutEventsRequest(directory, request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  return {
    endpoint: `http://${HOST}:${(server.address() as AddressInfo).port}`,
    createEventBus(name) {
      buses.add(name);
      return `${arnPrefix}${name}`;
    },
    events: () => structuredClone(recorded),
    stop() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
