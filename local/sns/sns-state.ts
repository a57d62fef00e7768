// What the SNS emulation keeps: its platform applications, endpoints and the pushes it would have sent.
import type { PushNotification } from '../../lambdas/chat/ports.js';
import type { PushPlatform } from '../../lambdas/protocol/index.js';

/** Tokens the emulated platform refuses: their endpoint is disabled on their first push. */
export const DISABLED_TOKEN_PREFIX = 'disabled-';

export interface LocalEndpoint {
  arn: string;
  applicationArn: string;
  platform: PushPlatform;
  token: string;
  enabled: boolean;
}

/** A push as the platform would have received it: what it says, and where it went. */
export interface DeliveredPush extends PushNotification {
  endpointArn: string;
  platform: PushPlatform;
  token: string;
  /** ISO 8601 */
  at: string;
}

export interface LocalSnsState {
  readonly region: string;
  /** The Action of every request, in order (tests compare it with the push function's grants). */
  readonly actions: string[];
  /** Platform application ARN → its platform. */
  readonly applications: ReadonlyMap<string, PushPlatform>;
  readonly endpoints: Map<string, LocalEndpoint>;
  /** applicationArn + token → endpoint ARN: CreatePlatformEndpoint answers a known token with its endpoint. */
  readonly endpointByToken: Map<string, string>;
  newEndpointArn(applicationArn: string): string;
  record(push: DeliveredPush): void;
}

export const endpointTokenKey = (applicationArn: string, token: string): string => `${applicationArn}\u0000${token}`;
