// A client on scripted sockets, under fake timers, with a scripted server that answers what watch mode asks
// (subscribe, unsubscribe, getHistory, getPresence) until the client is quiet.
import { vi } from 'vitest';
import { ChatClient, type ChatClientOptions, type Message, type Room } from '../../client/src/index.js';
import { answerHello, fakeSockets, type FakeSocket } from './fake-socket.js';

export const tick = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

export const room = (roomId: string, lastSeq = 0): Room => ({
  roomId,
  name: roomId,
  kind: 'group',
  createdBy: 'u1',
  createdAt: '2026-01-01T00:00:00.000Z',
  lastSeq,
});

export const message = (roomId: string, seq: number): Message => ({
  id: `${roomId}-${seq}`,
  roomId,
  seq,
  senderId: 'u2',
  senderName: 'U2',
  content: `message ${seq}`,
  messageType: 'text',
  clientMessageId: `${roomId}-c${seq}`,
  createdAt: '2026-01-01T00:00:00.000Z',
});

/** What the scripted server answers beside hello. */
export interface Script {
  /** Rooms the user is not a member of: subscribe is FORBIDDEN. */
  forbidden?: ReadonlySet<string>;
  /** Each room's stored messages, for getHistory. */
  stored?: ReadonlyMap<string, Message[]>;
  /** An error code for every subscribe, once each (a refusal the client may retry). */
  refuseSubscribeOnce?: string;
}

export function setup(options: Partial<ChatClientOptions> = {}) {
  const sockets = fakeSockets();
  const client = new ChatClient({
    url: 'ws://chat.test',
    WebSocket: sockets.WebSocket,
    getToken: () => 'token',
    ...options,
  });
  /** The request frames answered (request ids start over on every socket). */
  const answered = new Set<Record<string, unknown>>();
  const refusedOnce = new Set<string>();
  const unanswered = (socket: FakeSocket, action: string) =>
    socket.requests(action).filter((request) => !answered.has(request));
  const respond = (socket: FakeSocket, request: Record<string, unknown>, answer: Record<string, unknown>) => {
    answered.add(request);
    socket.receive({ requestId: request.requestId, ...answer });
  };

  /** Answers subscribe, unsubscribe, getHistory and getPresence until the client asks nothing more. */
  async function serve(socket: FakeSocket, script: Script = {}): Promise<void> {
    // Quiet for a few turns of the event loop: a request can take several promise steps to go out.
    for (let round = 0, quiet = 0; round < 100; round += 1) {
      await tick();
      const open = ['subscribe', 'unsubscribe', 'getHistory', 'getPresence'].flatMap((a) => unanswered(socket, a));
      if (open.length === 0 && ++quiet === 3) return;
      if (open.length > 0) quiet = 0;
      for (const request of open) {
        const { action, roomId } = request as { action: string; roomId: string };
        const ack = (fields: Record<string, unknown>) => respond(socket, request, { type: 'ack', action, ...fields });
        if (action === 'getHistory') {
          const after = request.after as number;
          ack({
            messages: (script.stored?.get(roomId) ?? []).filter((m) => m.seq > after),
            changes: [],
            hasMore: false,
          });
        } else if (action === 'getPresence') {
          ack({ online: [], typing: [], onlineCount: 0 });
        } else if (script.forbidden?.has(roomId)) {
          respond(socket, request, { type: 'error', code: 'FORBIDDEN', message: 'roomId: not a member' });
        } else if (
          action === 'subscribe' &&
          script.refuseSubscribeOnce &&
          !refusedOnce.has(`${script.refuseSubscribeOnce} ${roomId}`)
        ) {
          refusedOnce.add(`${script.refuseSubscribeOnce} ${roomId}`);
          respond(socket, request, { type: 'error', code: script.refuseSubscribeOnce, message: 'refused' });
        } else {
          ack({ roomId });
        }
      }
    }
    throw new Error('the client kept asking');
  }

  /** The newest socket opens and says hello with `rooms`; the rest is served until the client is quiet. */
  async function welcome(rooms: Room[], script: Script = {}): Promise<FakeSocket> {
    await tick();
    const socket = sockets.last();
    socket.open();
    answerHello(socket, rooms);
    await serve(socket, script);
    return socket;
  }

  /** The socket of the moment drops; the next one says hello with `rooms`. */
  async function reconnect(rooms: Room[], script: Script = {}): Promise<FakeSocket> {
    sockets.last().serverClose(1006);
    await tick(1_000);
    return welcome(rooms, script);
  }

  const roomsAsked = (socket: FakeSocket, action: string) => socket.requests(action).map((r) => r.roomId);
  return { client, sockets, serve, welcome, reconnect, roomsAsked };
}
