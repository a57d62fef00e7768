// The ports of push notifications that are not storage: the queue of push jobs, and the mobile push service.
import type { PushPlatform } from '../../protocol/index.js';

/** Push the message `seq` of the room to its offline members; `cursor` resumes a room's member list part way. */
export interface PushJob {
  roomId: string;
  seq: number;
  cursor?: string;
}

/** Where push jobs wait before the push function takes them (an SQS queue with a delay on AWS). */
export interface PushJobQueue {
  /** Queues the job to be taken no sooner than `delaySeconds` from now; false (never a throw) when it could not. */
  enqueue(job: PushJob, delaySeconds: number): Promise<boolean>;
}

/** What one device is told: the same for every device of a user. */
export interface PushNotification {
  /** The recipient: an app signed in to several accounts knows which one the push is for. */
  userId: string;
  roomId: string;
  seq: number;
  /** The sender's display name. */
  title: string;
  /** A preview of the message, or a generic text when previews are turned off. */
  body: string;
  /** The user's unread count, when known. */
  badge?: number;
  /** Pushes with the same key replace each other on the device: one per room. */
  collapseKey: string;
}

/** The mobile push service (Amazon SNS mobile push on AWS). */
export interface PushGateway {
  /** Whether a platform application is configured for the platform; devices of others are not pushed to. */
  supports(platform: PushPlatform): boolean;
  /** The platform endpoint for the token (created, or found and enabled): its ARN. */
  createEndpoint(platform: PushPlatform, token: string): Promise<string>;
  /** 'disabled' when the service reports the endpoint disabled or gone (the app was removed, the token expired). */
  publish(endpointArn: string, platform: PushPlatform, notification: PushNotification): Promise<'sent' | 'disabled'>;
  deleteEndpoint(endpointArn: string): Promise<void>;
}
