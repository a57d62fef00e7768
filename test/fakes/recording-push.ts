// In-memory stand-ins for the push ports: a job queue that keeps what it is given, and a push gateway that records
// what it would have sent, with endpoints that can be disabled or made to fail.
import type { PushGateway, PushJob, PushJobQueue, PushNotification } from '../../lambdas/chat/ports.js';
import type { PushPlatform } from '../../lambdas/protocol/index.js';

export class MemoryPushJobQueue implements PushJobQueue {
  readonly jobs: { job: PushJob; delaySeconds: number }[] = [];
  refuse = false;
  async enqueue(job: PushJob, delaySeconds: number): Promise<boolean> {
    if (this.refuse) return false;
    this.jobs.push({ job: structuredClone(job), delaySeconds });
    return true;
  }
  /** Takes every queued job (the consumer's receive). */
  take(): PushJob[] {
    return this.jobs.splice(0).map((entry) => entry.job);
  }
}

export interface RecordedPush {
  endpointArn: string;
  token: string;
  platform: PushPlatform;
  notification: PushNotification;
}

export class RecordingPushGateway implements PushGateway {
  readonly sent: RecordedPush[] = [];
  readonly deleted: string[] = [];
  readonly created: string[] = [];
  /** Tokens whose endpoints the service reports disabled. */
  readonly disabledTokens = new Set<string>();
  /** Tokens whose publish fails (a network error, say). */
  readonly failingTokens = new Set<string>();
  private readonly tokensByArn = new Map<string, string>();
  private readonly platforms: ReadonlySet<PushPlatform>;

  constructor(platforms: readonly PushPlatform[] = ['apns', 'apns_sandbox', 'fcm']) {
    this.platforms = new Set(platforms);
  }

  supports(platform: PushPlatform): boolean {
    return this.platforms.has(platform);
  }

  async createEndpoint(platform: PushPlatform, token: string): Promise<string> {
    const arn = `arn:aws:sns:local:0:endpoint/${platform}/app/${token}`;
    this.tokensByArn.set(arn, token);
    this.created.push(arn);
    return arn;
  }

  async publish(endpointArn: string, platform: PushPlatform, notification: PushNotification) {
    const token = this.tokensByArn.get(endpointArn) ?? endpointArn;
    if (this.failingTokens.has(token)) throw new Error('push service unreachable');
    if (this.disabledTokens.has(token)) return 'disabled' as const;
    this.sent.push({ endpointArn, token, platform, notification: structuredClone(notification) });
    return 'sent' as const;
  }

  async deleteEndpoint(endpointArn: string): Promise<void> {
    this.deleted.push(endpointArn);
  }

  tokensSent(): string[] {
    return this.sent.map((push) => push.token).sort();
  }
}
