// A Notifier that delivers nothing and remembers what it was asked to post: how many frames of each type and their
// sizes. The capacity measurements need the chat logic's every post (the gateway bills each) but no network.
import type { GatewayConnection, Notifier, PostResult } from '../../lambdas/chat/ports.js';

export interface FrameTally {
  count: number;
  bytes: number[];
}

export class CountingNotifier implements Notifier {
  byType = new Map<string, FrameTally>();

  reset(): void {
    this.byType = new Map();
  }

  get posts(): number {
    let total = 0;
    for (const tally of this.byType.values()) total += tally.count;
    return total;
  }

  async post(_connectionId: string, payload: string): Promise<PostResult> {
    await Promise.resolve();
    const type = frameTypeOf(payload);
    const tally = this.byType.get(type) ?? { count: 0, bytes: [] };
    tally.count += 1;
    tally.bytes.push(Buffer.byteLength(payload, 'utf8'));
    this.byType.set(type, tally);
    return 'delivered';
  }

  /** Every connection the bench made is open (and just spoke: none declared a heartbeat anyway). */
  async describeConnection(): Promise<GatewayConnection | undefined> {
    return { lastActiveAt: Date.now() };
  }

  async close(): Promise<void> {}
}

function frameTypeOf(payload: string): string {
  const match = /^\{"type":"([a-zA-Z]+)"/.exec(payload);
  if (match) return match[1]!;
  try {
    return String((JSON.parse(payload) as { type?: unknown }).type ?? 'untyped');
  } catch {
    return 'untyped';
  }
}
