// The ways the bench makes management API calls, all under the notifier's own rules (notifierOver): the AWS SDK
// client as the SDK builds it and as the notifier tuned it before the lean path, the lean path as deployed
// (SignatureV4 over node:http), and the lean path's signed requests sent by @smithy/node-http-handler instead.
import { Agent } from 'node:http';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  createManagementHttp,
  createManagementRequestSigner,
  managementApiErrorOf,
  type ManagementHttp,
  type ManagementHttpOptions,
} from '../../lambdas/adapters/management-http.js';
import { notifierOver, type ManagementNotifier } from '../../lambdas/adapters/management-notifier.js';
import { createSdkManagementHttp } from './sdk-management-http.js';

export const POSTER_VARIANTS = ['sdk-plain', 'sdk-tuned', 'lean', 'lean-smithy-handler'] as const;
export type PosterVariant = (typeof POSTER_VARIANTS)[number];

export function notifierFor(
  endpoint: string,
  variant: PosterVariant,
  credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  region = 'us-east-1',
): ManagementNotifier {
  const options: ManagementHttpOptions = {
    endpoint,
    region,
    credentials,
    maxSockets: 50,
    connectionTimeoutMs: 3_000,
    requestTimeoutMs: 5_000,
  };
  const http =
    variant === 'lean'
      ? createManagementHttp(options)
      : variant === 'lean-smithy-handler'
        ? smithyHandlerHttp(options)
        : createSdkManagementHttp({ ...options, tuned: variant === 'sdk-tuned' });
  return notifierOver(http, { endpoint });
}

/** The lean path's signed requests, sent by the SDK's own HTTP handler instead of node:http directly. */
function smithyHandlerHttp(options: ManagementHttpOptions): ManagementHttp {
  const sign = createManagementRequestSigner(options);
  const handler = new NodeHttpHandler({
    httpAgent: new Agent({ keepAlive: true, maxSockets: options.maxSockets }),
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    throwOnRequestTimeout: true,
  });
  return {
    async call(method, connectionId, payload) {
      const { response } = await handler.handle(await sign(method, connectionId, payload));
      const chunks: Buffer[] = [];
      for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(chunk);
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw managementApiErrorOf(response.statusCode, response.headers, Buffer.concat(chunks).toString('utf8'));
      }
      return response.statusCode;
    },
    destroy: () => handler.destroy(),
  };
}
