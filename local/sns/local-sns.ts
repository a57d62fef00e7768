// Amazon SNS mobile push on 127.0.0.1 for the local stack: its own HTTP server speaking the SNS Query API
// (sns-query-api.ts) that the real @aws-sdk/client-sns is pointed at, with one platform application per platform
// created up front. Nothing reaches APNs or FCM: every push is kept, as the platform would have received it, for
// GET /dev/push. A platform rejecting a token (an app removed from its phone) is played by tokens that start with
// "disabled-" (their first push disables their endpoint) and by disableToken (POST /dev/push/disable?token=...).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SNS_PLATFORM } from '../../lambdas/adapters/sns-push-payload.js';
import type { PushPlatform } from '../../lambdas/protocol/index.js';
import { handleSnsRequest } from './sns-query-api.js';
import type { DeliveredPush, LocalSnsState } from './sns-state.js';

export { DISABLED_TOKEN_PREFIX, type DeliveredPush } from './sns-state.js';

const HOST = '127.0.0.1';
const ACCOUNT_ID = '000000000000';
/** The name of every local platform application. */
export const LOCAL_PUSH_APPLICATION = 'chat-local';
/** The pushes kept for GET /dev/push: the newest this many. */
const KEPT_PUSHES = 1_000;

export interface LocalSns {
  /** http://127.0.0.1:PORT: the SNS client's endpoint. */
  endpoint: string;
  /** The platform application ARN of each platform. */
  applications: Record<PushPlatform, string>;
  /** What would have been sent, oldest first. */
  pushes(): DeliveredPush[];
  /** The Action of every request so far, in order. */
  actions(): string[];
  /** Marks every endpoint of the token disabled, as SNS does when the platform rejects it; how many it marked. */
  disableToken(token: string): number;
  stop(): Promise<void>;
}

export async function startLocalSns(options: { region: string; port?: number }): Promise<LocalSns> {
  const applications = {} as Record<PushPlatform, string>;
  const platformOf = new Map<string, PushPlatform>();
  for (const [platform, snsPlatform] of Object.entries(SNS_PLATFORM)) {
    const arn = `arn:aws:sns:${options.region}:${ACCOUNT_ID}:app/${snsPlatform}/${LOCAL_PUSH_APPLICATION}`;
    applications[platform as PushPlatform] = arn;
    platformOf.set(arn, platform as PushPlatform);
  }
  const pushes: DeliveredPush[] = [];
  const state: LocalSnsState = {
    region: options.region,
    actions: [],
    applications: platformOf,
    endpoints: new Map(),
    endpointByToken: new Map(),
    newEndpointArn: (applicationArn) => `${applicationArn.replace(':app/', ':endpoint/')}/${randomUUID()}`,
    record(push) {
      pushes.push(push);
      if (pushes.length > KEPT_PUSHES) pushes.splice(0, pushes.length - KEPT_PUSHES);
    },
  };
  const server: Server = createServer((request, response) => {
    handleSnsRequest(state, request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  return {
    endpoint: `http://${HOST}:${(server.address() as AddressInfo).port}`,
    applications,
    pushes: () => pushes.map((push) => ({ ...push })),
    actions: () => [...state.actions],
    disableToken(token) {
      let marked = 0;
      for (const endpoint of state.endpoints.values()) {
        if (endpoint.token === token && endpoint.enabled) {
          endpoint.enabled = false;
          marked += 1;
        }
      }
      return marked;
    },
    stop() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
