// One SQS standard queue in memory, with the behaviour the redelivery path depends on: a received message stays
// invisible for the visibility timeout and comes back unless deleted; every receive counts (ApproximateReceiveCount);
// a redrive policy moves a message to its dead-letter queue instead of a receive past maxReceiveCount; receives
// may wait (long polling). Order is first in, first out, which a standard queue does not promise but may give.
import { createHash, randomBytes, randomUUID } from 'node:crypto';

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** base64, as on the wire */
  BinaryValue?: string;
}

export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  attributes: ReadonlyMap<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  sentAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  visibleAt: number;
  receiptHandle?: string;
  /** Set when a redrive moved it here. */
  deadLetterSourceArn?: string;
}

export interface RedrivePolicy {
  deadLetterQueue: LocalQueue;
  maxReceiveCount: number;
}

export class LocalQueue {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly byReceiptHandle = new Map<string, StoredMessage>();
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(
    readonly name: string,
    readonly url: string,
    readonly arn: string,
    /** Milliseconds here (whole seconds on the wire), so tests can run a redelivery cycle quickly. */
    readonly visibilityTimeoutMs: number,
    readonly redrive?: RedrivePolicy,
  ) {}

  /** `delayMs`: the message stays out of sight that long (SQS's DelaySeconds). */
  send(
    body: string,
    attributes: ReadonlyMap<string, MessageAttributeValue>,
    { now = Date.now(), delayMs = 0 }: { now?: number; delayMs?: number } = {},
  ): StoredMessage {
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5Hex(Buffer.from(body, 'utf8')),
      attributes,
      ...(attributes.size > 0 && { md5OfMessageAttributes: md5OfMessageAttributes(attributes) }),
      sentAt: now,
      receiveCount: 0,
      visibleAt: now + delayMs,
    };
    this.messages.set(message.messageId, message);
    this.wake();
    return message;
  }

  /** Up to `max` visible messages, each now invisible for the visibility timeout; waits up to `waitMs` for one. */
  async receive(max: number, visibilityTimeoutMs: number | undefined, waitMs: number): Promise<StoredMessage[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.closed) return [];
      const received = this.receiveNow(max, visibilityTimeoutMs ?? this.visibilityTimeoutMs);
      const left = deadline - Date.now();
      if (received.length > 0 || left <= 0) return received;
      await this.waitForChange(Math.min(left, this.untilNextVisible()));
    }
  }

  delete(receiptHandle: string): boolean {
    const message = this.byReceiptHandle.get(receiptHandle);
    if (!message) return false;
    this.byReceiptHandle.delete(receiptHandle);
    this.messages.delete(message.messageId);
    return true;
  }

  changeVisibility(receiptHandle: string, timeoutMs: number, now = Date.now()): boolean {
    const message = this.byReceiptHandle.get(receiptHandle);
    if (!message || !this.messages.has(message.messageId)) return false;
    message.visibleAt = now + timeoutMs;
    if (timeoutMs === 0) this.wake();
    return true;
  }

  counts(now = Date.now()): { visible: number; inFlight: number } {
    let visible = 0;
    for (const message of this.messages.values()) if (message.visibleAt <= now) visible += 1;
    return { visible, inFlight: this.messages.size - visible };
  }

  /** Takes a message a redrive moved here, keeping its id, body and attributes. */
  adopt(message: StoredMessage, sourceArn: string, now = Date.now()): void {
    const moved: StoredMessage = { ...message, receiveCount: 0, visibleAt: now, deadLetterSourceArn: sourceArn };
    delete moved.receiptHandle;
    delete moved.firstReceiveAt;
    this.messages.set(moved.messageId, moved);
    this.wake();
  }

  /** Answers every waiting receive, and every later one, with nothing (the emulator is stopping). */
  close(): void {
    this.closed = true;
    this.wake();
  }

  private receiveNow(max: number, visibilityTimeoutMs: number, now = Date.now()): StoredMessage[] {
    const received: StoredMessage[] = [];
    for (const message of [...this.messages.values()]) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (this.redrive && message.receiveCount >= this.redrive.maxReceiveCount) {
        this.messages.delete(message.messageId);
        if (message.receiptHandle) this.byReceiptHandle.delete(message.receiptHandle);
        this.redrive.deadLetterQueue.adopt(message, this.arn, now);
        continue;
      }
      if (message.receiptHandle) this.byReceiptHandle.delete(message.receiptHandle);
      message.receiveCount += 1;
      message.firstReceiveAt ??= now;
      message.visibleAt = now + visibilityTimeoutMs;
      message.receiptHandle = `${message.messageId}#${randomBytes(16).toString('base64url')}`;
      this.byReceiptHandle.set(message.receiptHandle, message);
      received.push(message);
    }
    return received;
  }

  private untilNextVisible(now = Date.now()): number {
    let next = Number.POSITIVE_INFINITY;
    for (const message of this.messages.values()) next = Math.min(next, message.visibleAt - now);
    return Math.max(5, next);
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * SQS's digest of message attributes: by name in byte order, each as name, data type, a transport byte (1 string,
 * 2 binary) and value, every variable part preceded by its length as a 4-byte big-endian integer.
 */
export function md5OfMessageAttributes(attributes: ReadonlyMap<string, MessageAttributeValue>): string {
  const parts: Buffer[] = [];
  const withLength = (data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    parts.push(length, data);
  };
  for (const name of [...attributes.keys()].sort()) {
    const value = attributes.get(name)!;
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(value.DataType, 'utf8'));
    const binary = value.BinaryValue !== undefined;
    parts.push(Buffer.from([binary ? 2 : 1]));
    withLength(binary ? Buffer.from(value.BinaryValue!, 'base64') : Buffer.from(value.StringValue ?? '', 'utf8'));
  }
  return md5Hex(Buffer.concat(parts));
}
