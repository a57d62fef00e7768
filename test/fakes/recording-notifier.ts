// A Notifier that records every post instead of sending it. Connections can be marked gone (the gateway answers
// 410) or failing (a post throws), to test what the chat logic does with bad recipients. Like API Gateway, it
// refuses a frame over 128 KiB (the post throws, as the real notifier does on a 413), so no unit test can pass with
// an answer the gateway would never deliver.
import { LIMITS, type ServerFrame } from '../../lambdas/protocol/index.js';
import type { GatewayConnection, Notifier, PostResult } from '../../lambdas/chat/ports.js';

export type PostOutcome = PostResult | 'threw';

export interface RecordedPost {
  connectionId: string;
  payload: string;
  outcome: PostOutcome;
}

export class RecordingNotifier implements Notifier {
  /** Every post attempt, in order, with what came of it. */
  readonly attempts: RecordedPost[] = [];
  readonly closed: string[] = [];
  private readonly gone = new Set<string>();
  private readonly failing = new Map<string, Error>();
  /** When each connection last sent a frame, as the gateway would answer it (see markActive). */
  private readonly lastActive = new Map<string, number>();
  /** Called at each post before it is recorded; lets a test look at the world as a recipient would. */
  onPost?: (connectionId: string, payload: string) => void | Promise<void>;

  markGone(connectionId: string): void {
    this.gone.add(connectionId);
  }

  /** The gateway knows the connection (again): a connection it registers once its $connect has returned. */
  markOpen(connectionId: string): void {
    this.gone.delete(connectionId);
  }

  /** The client sent a frame at `at` (the gateway's lastActiveAt). */
  markActive(connectionId: string, at: number): void {
    this.lastActive.set(connectionId, at);
  }

  markFailing(connectionId: string, error: Error = new Error(`post to ${connectionId} failed`)): void {
    this.failing.set(connectionId, error);
  }

  /** Posts to the connection succeed again. */
  markHealthy(connectionId: string): void {
    this.failing.delete(connectionId);
  }

  async post(connectionId: string, payload: string): Promise<PostResult> {
    // Always async, like the real notifier.
    await Promise.resolve();
    await this.onPost?.(connectionId, payload);
    const failure =
      Buffer.byteLength(payload, 'utf8') > LIMITS.messageMaxBytes
        ? new Error(`PayloadTooLargeException: a frame of ${Buffer.byteLength(payload, 'utf8')} bytes`)
        : this.failing.get(connectionId);
    if (failure) {
      this.attempts.push({ connectionId, payload, outcome: 'threw' });
      throw failure;
    }
    const outcome: PostResult = this.gone.has(connectionId) ? 'gone' : 'delivered';
    this.attempts.push({ connectionId, payload, outcome });
    return outcome;
  }

  async describeConnection(connectionId: string): Promise<GatewayConnection | undefined> {
    await Promise.resolve();
    if (this.gone.has(connectionId)) return undefined;
    const lastActiveAt = this.lastActive.get(connectionId);
    return lastActiveAt === undefined ? {} : { lastActiveAt };
  }

  async close(connectionId: string): Promise<void> {
    await Promise.resolve();
    this.closed.push(connectionId);
    this.gone.add(connectionId);
  }

  /** The payloads delivered to a connection, as sent (strings). */
  payloadsFor(connectionId: string): string[] {
    return this.attempts
      .filter((attempt) => attempt.connectionId === connectionId && attempt.outcome === 'delivered')
      .map((attempt) => attempt.payload);
  }

  /** The frames delivered to a connection, parsed. */
  framesFor(connectionId: string): ServerFrame[] {
    return this.payloadsFor(connectionId).map((payload) => JSON.parse(payload) as ServerFrame);
  }

  delivered(): RecordedPost[] {
    return this.attempts.filter((attempt) => attempt.outcome === 'delivered');
  }

  /** Forgets what was recorded (gone and failing marks stay). */
  clear(): void {
    this.attempts.length = 0;
    this.closed.length = 0;
  }
}
