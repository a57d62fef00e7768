// What the soak needs of the local stack, in this process (tests) or in a child process of its own (`npm run soak`,
// so the stack has a core to itself and the thousand clients do not take its CPU time).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStores } from '../../../lambdas/adapters/dynamo-stores.js';
import type { ChatStores } from '../../../lambdas/chat/ports.js';
import { embeddedDynamoClientConfig } from '../../../local/embedded-dynamo.js';
import { ProbeSocket, sleep } from './probe-socket.js';
import type { ProbedStack } from './probed-stack.js';
import { deleteConnectionOn } from '../../support/management-call.js';

export interface SoakStack {
  wsUrl: string;
  /** Where it runs, for the report. */
  where: 'in process' | 'child process';
  mintToken(userId: string): Promise<string>;
  /** Open connection ids of a user, oldest first. */
  connectionsOf(userId: string): string[];
  deleteConnection(connectionId: string): Promise<number>;
  /** A DynamoDB store on the stack's table, for reading the history at the end. */
  stores: ChatStores;
  stop(): Promise<void>;
}

export function inProcess(probed: ProbedStack): SoakStack {
  return {
    wsUrl: probed.stack.wsUrl,
    where: 'in process',
    mintToken: async (userId) => probed.tokenFor(userId),
    connectionsOf: (userId) => probed.connectionsOf(userId),
    deleteConnection: (connectionId) => probed.deleteConnection(connectionId),
    stores: probed.stores,
    stop: () => probed.stop(),
  };
}

/** Connects as the user and returns the socket with the connection id the gateway gave it. */
export async function connectTo(stack: SoakStack, userId: string, options: { label: string; keepEvents: boolean }) {
  const before = new Set(stack.connectionsOf(userId));
  const socket = await ProbeSocket.open(
    `${stack.wsUrl}/?token=${encodeURIComponent(await stack.mintToken(userId))}`,
    options,
  );
  const deadline = Date.now() + 5_000;
  for (;;) {
    const connectionId = stack.connectionsOf(userId).find((id) => !before.has(id));
    if (connectionId) return { socket, connectionId };
    if (Date.now() > deadline) throw new Error(`no $connect seen for ${userId}`);
    await sleep(10);
  }
}

type ChildMessage =
  | { type: 'ready'; wsUrl: string; httpUrl: string; dynamoEndpoint: string; tableName: string }
  | { type: 'event'; eventType: string; connectionId: string; userId: string }
  | { type: 'minted'; id: number; token: string };

const CHILD = fileURLToPath(new URL('../stack-process.ts', import.meta.url));

export async function startStackProcess(options: { faultShare: number }): Promise<SoakStack> {
  const child = fork(CHILD, [String(options.faultShare)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const open = new Map<string, string[]>();
  const minting = new Map<number, (token: string) => void>();
  let mintCounter = 0;
  const ready = new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the stack process exited with ${code}`)));
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') resolve(message);
      if (message.type === 'minted') minting.get(message.id)?.(message.token);
      if (message.type === 'event') {
        const ids = open.get(message.userId) ?? [];
        if (message.eventType === 'CONNECT') open.set(message.userId, [...ids, message.connectionId]);
        if (message.eventType === 'DISCONNECT')
          open.set(
            message.userId,
            ids.filter((id) => id !== message.connectionId),
          );
      }
    });
  });
  const info = await ready;
  const dynamo = new DynamoDBClient(embeddedDynamoClientConfig(info.dynamoEndpoint));
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  return {
    wsUrl: info.wsUrl,
    where: 'child process',
    mintToken(userId) {
      const id = ++mintCounter;
      return new Promise((resolve) => {
        minting.set(id, (token) => {
          minting.delete(id);
          resolve(token);
        });
        child.send({ type: 'mint', id, userId });
      });
    },
    connectionsOf: (userId) => [...(open.get(userId) ?? [])],
    deleteConnection: (connectionId) => deleteConnectionOn(info.httpUrl, connectionId),
    stores: createDynamoStores({ client: documents, tableName: info.tableName }),
    async stop() {
      dynamo.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}
