// A ghost connection: the client's network dies (the TCP connection is cut, no close frame) and the $disconnect
// that follows never reaches the backend (its first write fails, as if the invocation was lost). The stack must run
// with the intercepted stores (see intercepted-store.ts).
import { afterAll, beforeAll } from 'vitest';
import type { LocalStackOptions } from '../../../local/stack.js';
import { sleep } from '../../soak/lib/probe-socket.js';
import { startProbedStack, type ProbedStack } from '../../soak/lib/probed-stack.js';
import { createInterceptedStore, type InterceptedStore } from './intercepted-store.js';

/**
 * One probed stack for the test file, its stores intercepted so that a $disconnect can be lost. No grace period after
 * $connect: the ghost connection is cut moments after it opened, and a 410 that finds it is meant as "gone" (the
 * grace that protects connections still being opened is tested in connect-race.test.ts).
 */
export function useGhostStack(options: Omit<LocalStackOptions, 'port' | 'dataDir' | 'overrides'>) {
  const intercepted = createInterceptedStore();
  let probed: ProbedStack | undefined;
  beforeAll(async () => {
    // The lost $disconnect is logged as a failure by design; keep the output clean.
    probed = await startProbedStack({
      logLevel: 'SILENT',
      ...options,
      overrides: { stores: intercepted.stores, chatConfig: { connectGraceMs: 0 } },
    });
    intercepted.attach(probed.stack);
  });
  afterAll(async () => {
    await probed?.stop();
    intercepted.detach();
  });
  const running = (): ProbedStack => {
    if (!probed) throw new Error('the stack is not running');
    return probed;
  };
  return {
    get probed() {
      return running();
    },
    ghostInRoom: () => ghostInRoom(running(), intercepted),
    itemsOf: (connectionId: string) => itemsOf(running(), connectionId),
  };
}

let counter = 0;

/**
 * A room of a creator and bob; bob's connection then dies and its $disconnect is lost. The creator stays connected
 * (and quiet): a new connection would announce its presence to the room, and that post would find the ghost.
 */
export async function ghostInRoom(probed: ProbedStack, intercepted: InterceptedStore) {
  counter += 1;
  const bobId = `ghost${counter}-bob`;
  const creatorId = `ghost${counter}-creator`;
  const creator = await probed.connect(creatorId);
  const connectedAt = Date.now();
  const bob = await probed.connect(bobId);
  const roomId = (
    (await creator.socket.ack('createRoom', { name: 'r', memberIds: [bobId] })).room as { roomId: string }
  ).roomId;
  await bob.socket.waitForEvent((f) => f.type === 'roomJoined');

  intercepted.hook = (method, args) =>
    method === 'deleteConnection' && args[1] === bob.connectionId ? new Error('lost') : undefined;
  bob.socket.terminate();
  const deadline = Date.now() + 3_000;
  while (!probed.gatewayEvents.some((e) => e.eventType === 'DISCONNECT' && e.connectionId === bob.connectionId)) {
    if (Date.now() > deadline) throw new Error('the gateway never ran $disconnect');
    await sleep(20);
  }
  await sleep(200);
  intercepted.hook = undefined;
  return { bobId, creatorId, creator: creator.socket, ghostId: bob.connectionId, roomId, connectedAt, counter };
}

/** The table items that name the connection, in a key or a sort key. */
export async function itemsOf(probed: ProbedStack, connectionId: string) {
  return (await probed.tableItems()).filter(
    (item) => String(item.pk).includes(connectionId) || String(item.sk).includes(connectionId),
  );
}
