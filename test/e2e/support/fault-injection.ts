// Faults injected around the real parts: stores that call through to the stack's own DynamoDB stores unless a
// fault is set, a notifier that calls through to the real management-API client unless a recipient is marked
// failing, a frame queue that calls through to the stack's SQS redelivery queue unless it is marked down, and a
// record of the gateway's connection events (to learn connection ids, which clients never see).
import { createDynamoStores } from '../../../lambdas/adapters/dynamo-stores.js';
import { createManagementNotifier, type ManagementNotifier } from '../../../lambdas/adapters/management-notifier.js';
import { documentClientFor } from '../../../lambdas/adapters/wiring.js';
import { createSqsFrameQueue, type SqsFrameQueue } from '../../../lambdas/adapters/sqs-frame-queue.js';
import { PostRetriesExhaustedError } from '../../../lambdas/chat/errors.js';
import type { ChatStores, FrameQueue, Notifier, PostResult } from '../../../lambdas/chat/ports.js';
import { LOCAL_TABLE_NAME, type LocalStackOptions } from '../../../local/stack.js';
import type { WebSocketRouteEvent } from '../../../local/gateway/events.js';
import type { LocalStack } from './local-stack-fixture.js';
import { forwardingStores } from '../../fakes/forwarding-stores.js';
import { sleep } from './test-client.js';

/** Returns the error a store call must fail with, or undefined to let it through. */
export type StoreFault = (method: string, args: unknown[]) => Error | undefined;

export class FaultInjection {
  storeFault: StoreFault | undefined;
  failingRecipients = new Set<string>();
  /** The next post to each of these fails as a sick management API's would (retries exhausted); later ones pass. */
  failingOnce = new Set<string>();
  /** The redelivery queue refuses every frame. */
  queueDown = false;

  private realStores: ChatStores | undefined;
  private realNotifier: ManagementNotifier | undefined;
  private realQueue: SqsFrameQueue | undefined;
  private readonly connectionsOf = new Map<string, string>();
  private readonly disconnectsSeen = new Set<string>();

  readonly stores: ChatStores = forwardingStores(
    () => this.realStores,
    (method, args) => this.storeFault?.(method, args),
  );

  readonly notifier: Notifier = {
    post: async (connectionId: string, payload: string): Promise<PostResult> => {
      if (this.failingRecipients.has(connectionId)) throw new Error('socket hang up');
      if (this.failingOnce.delete(connectionId)) throw new PostRetriesExhaustedError(4, 'server-error');
      return this.realNotifier!.post(connectionId, payload);
    },
    describeConnection: (connectionId: string) => this.realNotifier!.describeConnection(connectionId),
    close: (connectionId: string) => this.realNotifier!.close(connectionId),
  };

  readonly frameQueue: FrameQueue = {
    enqueue: async (frames, options) =>
      this.queueDown ? { queued: 0, failed: frames.length } : this.realQueue!.enqueue(frames, options),
  };

  /** Stack options that route the handlers through this injection. */
  get stackOptions(): Pick<LocalStackOptions, 'overrides' | 'onIntegrationEvent'> {
    return {
      overrides: { stores: this.stores, notifier: this.notifier, frameQueue: this.frameQueue },
      onIntegrationEvent: (event: WebSocketRouteEvent) => {
        const { eventType, connectionId, authorizer } = event.requestContext;
        if (eventType === 'CONNECT') this.connectionsOf.set(connectionId, String(authorizer.principalId));
        if (eventType === 'DISCONNECT') this.disconnectsSeen.add(connectionId);
      },
    };
  }

  /** Builds the real parts once the stack runs (they need its endpoints). */
  attach(stack: LocalStack): void {
    this.realStores = createDynamoStores({ client: documentClientFor(stack.config), tableName: LOCAL_TABLE_NAME });
    this.realNotifier = createManagementNotifier({
      endpoint: stack.httpUrl,
      region: stack.config.region,
      credentials: stack.config.credentials,
    });
    this.realQueue = createSqsFrameQueue({
      queueUrl: stack.redelivery.queueUrl,
      region: stack.config.region,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      ...(stack.config.credentials && { credentials: stack.config.credentials }),
    });
  }

  detach(): void {
    this.realNotifier?.destroy();
    this.realQueue?.destroy();
  }

  /** The user's connection ids, in the order they opened. */
  connectionIdsOf(userId: string): string[] {
    return [...this.connectionsOf].filter(([, owner]) => owner === userId).map(([connectionId]) => connectionId);
  }

  /**
   * Closes a connection so that its $disconnect fails on its first store call, as if the close never reached the
   * backend (on AWS $disconnect is best effort).
   */
  async loseDisconnect(connectionId: string, close: () => Promise<void>): Promise<void> {
    this.storeFault = (_method, args) => (JSON.stringify(args).includes(connectionId) ? new Error('lost') : undefined);
    try {
      await close();
      for (let waited = 0; !this.disconnectsSeen.has(connectionId) && waited < 3_000; waited += 50) await sleep(50);
      if (!this.disconnectsSeen.has(connectionId)) throw new Error(`no $disconnect for ${connectionId}`);
      // $disconnect makes its first store call at once.
      await sleep(200);
    } finally {
      this.storeFault = undefined;
    }
  }
}
