// The ways the bench makes management API calls, all under the notifier's own rules (notifierOver): the AWS SDK
// client as the SDK builds it and as the notifier tuned it before the lean path, the lean path as deployed
// (SignatureV4 over the project's HTTP/1.1 client), and the lean path's signed requests sent by node:http's
// keep-alive agent (as deployed before) or by @smithy/node-http-handler instead.
import { Agent, request } from 'node:http';
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

export const POSTER_VARIANTS = ['sdk-plain', 'sdk-tuned', 'lean', 'lean-node-http', 'lean-smithy-handler'] as const;
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
      : variant === 'lean-node-http'
        ? nodeHttp(options)
        : variant === 'lean-smithy-handler'
          ? smithyHandlerHttp(options)
          : createSdkManagementHttp({ ...options, tuned: variant === 'sdk-tuned' });
  return notifierOver(http, { endpoint });
}

/**
 * The lean path's signed requests, sent by node:http's keep-alive agent as the lean path first did (without its
 * timeouts: the variant shows what node:http itself costs).
 */
function nodeHttp(options: ManagementHttpOptions): ManagementHttp {
  const sign = createManagementRequestSigner(options);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
  return {
    async call(method, connectionId, payload) {
      const signed = await sign(method, connectionId, payload);
      return new Promise((resolve, reject) => {
        const outgoing = request(
          { hostname: signed.hostname, port: signed.port, method, path: signed.path, headers: signed.headers, agent },
          (answer) => {
            const chunks: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => chunks.push(chunk));
            answer.once('end', () => {
              const status = answer.statusCode ?? 0;
              const text = Buffer.concat(chunks).toString('utf8');
              if (status >= 200 && status < 300) resolve({ status, body: text });
              else reject(managementApiErrorOf(status, headerMap(answer.headers), text));
            });
          },
        );
        outgoing.once('error', reject);
        outgoing.end(payload);
      });
    },
    destroy: () => agent.destroy(),
  };
}

function headerMap(headers: Record<string, string | string[] | undefined>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) map.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
  }
  return map;
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
      const text = Buffer.concat(chunks).toString('utf8');
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw managementApiErrorOf(response.statusCode, headerMap(response.headers), text);
      }
      return { status: response.statusCode, body: text };
    },
    destroy: () => handler.destroy(),
  };
}
