import type { Message } from '../../lambdas/protocol/objects.js';
import { jitteredDelayMs } from './backoff.js';
import type { ChatError } from './chat-error.js';
import type { PendingMessage } from './types.js';

interface OutboxEntry extends PendingMessage {
  resolve(message: Message): void;
  reject(error: ChatError): void;
  inFlight: boolean;
  failures: number;
  retryTimer?: ReturnType<typeof setTimeout>;
}

export interface OutboxDeps {
  /** Sends one message (sendMessage with its clientMessageId) and resolves with the stored message from the ack. */
  send(message: PendingMessage): Promise<Message>;
  /** True while a connection is open for sending. */
  canSend(): boolean;
}

/**
 * Messages the server has not acked yet. Each is sent again, with the same clientMessageId, after every reconnect
 * until an ack comes (the server stores it once). One message per room is in flight at a time, so a room's messages
 * are stored in the order the user sent them.
 */
export class Outbox {
  private readonly queues = new Map<string, OutboxEntry[]>();

  constructor(private readonly deps: OutboxDeps) {}

  enqueue(message: PendingMessage): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      let queue = this.queues.get(message.roomId);
      if (!queue) this.queues.set(message.roomId, (queue = []));
      queue.push({ ...message, resolve, reject, inFlight: false, failures: 0 });
      this.transmitNext(message.roomId);
    });
  }

  /** A connection is open: send the oldest message of every room. */
  flush(): void {
    for (const roomId of this.queues.keys()) this.transmitNext(roomId);
  }

  pending(roomId?: string): PendingMessage[] {
    const queues = roomId ? [this.queues.get(roomId) ?? []] : [...this.queues.values()];
    return queues.flat().map(({ roomId: room, clientMessageId, content, messageType, attachmentUrl, replyTo }) => ({
      roomId: room,
      clientMessageId,
      content,
      ...(messageType ? { messageType } : {}),
      ...(attachmentUrl ? { attachmentUrl } : {}),
      ...(replyTo !== undefined ? { replyTo } : {}),
    }));
  }

  rejectAll(error: ChatError): void {
    const entries = [...this.queues.values()].flat();
    this.queues.clear();
    for (const entry of entries) {
      if (entry.retryTimer) clearTimeout(entry.retryTimer);
      entry.reject(error);
    }
  }

  private transmitNext(roomId: string): void {
    const head = this.queues.get(roomId)?.[0];
    if (!head || head.inFlight || head.retryTimer || !this.deps.canSend()) return;
    head.inFlight = true;
    this.deps.send(head).then(
      (stored) => {
        head.inFlight = false;
        if (!this.remove(head)) return;
        head.resolve(stored);
        this.transmitNext(roomId);
      },
      (error: ChatError) => {
        head.inFlight = false;
        if (!this.queues.get(roomId)?.includes(head)) return;
        // Lost with the connection: flush() sends it again once a new one is up.
        if (error.code === 'DISCONNECTED' || error.code === 'TIMEOUT') return;
        if (error.code === 'RATE_LIMITED' || error.code === 'INTERNAL') {
          head.retryTimer = setTimeout(
            () => {
              head.retryTimer = undefined;
              this.transmitNext(roomId);
            },
            jitteredDelayMs(head.failures++, 500, 30_000),
          );
          return;
        }
        // FORBIDDEN, BAD_REQUEST, PAYLOAD_TOO_LARGE: sending it again cannot help.
        this.remove(head);
        head.reject(error);
        this.transmitNext(roomId);
      },
    );
  }

  private remove(entry: OutboxEntry): boolean {
    const queue = this.queues.get(entry.roomId);
    const index = queue?.indexOf(entry) ?? -1;
    if (!queue || index < 0) return false;
    queue.splice(index, 1);
    if (queue.length === 0) this.queues.delete(entry.roomId);
    return true;
  }
}
