// The management API calls made by the AWS SDK's own client, as the notifier made them before its lean path
// (lambdas/adapters/management-http.ts): kept for the bench, which measures both under the same notifier rules
// (notifierOver). `tuned: false` is the client as the SDK builds it; `tuned: true` the client as the notifier used
// it, made cheaper per call while staying the real SDK client (PostToConnectionCommand / DeleteConnectionCommand
// through client.send, SigV4 by the SDK's signer, the SDK's serde and endpoint resolution).
//
// Where one post's CPU went (node --cpu-prof, 5,000 sequential posts to a local server that answers 200 at once):
// rebuilding and sorting the middleware stack on every send (resolveMiddleware/getMiddlewareList, ~70 µs), the
// schema serde spreading the whole client config into a context per call, endpoint resolution, SigV4 signing with
// the payload SHA-256 (~130 µs), the user-agent middleware re-formatting the same string on every call, the retry
// middleware (token bucket, invocation id) although maxAttempts is 1, and a large share in the kernel's writev on
// loopback that no client setting changes.
//
// What changes here, and why it keeps behaviour:
// - cacheMiddleware: the client resolves each command class's handler once, not per send. We never pass per-call
//   options or add middleware after the first send, which is the one thing the cache would not see.
// - retryMiddleware becomes a pass-through under the same name (the signer is placed relative to it). With
//   maxAttempts 1 it retried nothing; throttling is retried by the notifier with its own bounded backoff. The
//   amz-sdk-invocation-id / amz-sdk-request headers it added are SDK telemetry, not part of what API Gateway checks.
// - the user agent is formatted once per client from the SDK's own defaultUserAgentProvider and set on every request
//   (user-agent and x-amz-user-agent as before, minus the per-call feature list).
// Untouched: SigV4 (Authorization, x-amz-date, host, x-amz-content-sha256 with the real payload hash: API Gateway's
// management API is called with SigV4 like any execute-api request, so no UNSIGNED-PAYLOAD), serde, endpoint, 410 /
// 429 handling, URL-encoding of ids.
//
// Measured with bench/fanout/notifier-cpu.ts (5 runs of 5,000 posts, medians (min–max), a shared two-core machine,
// so noisy), the SDK's client as built vs tuned: sequential posts to a server that answers at once, CPU per post
// 768 (611–1,302) → 642 (521–669) µs; 50 in flight against a server that answers after 10 ms, CPU per post
// 828 (723–912) → 565 (527–674) µs and 1,035 (945–1,148) → 1,472 (1,182–1,782) posts/s. Still far from the
// hand-signed node:http post (~220 µs): what is left is the SDK's per-call serde (it spreads the whole client config
// into a context twice per call), endpoint resolution, the signer's wrappers, and the socket write itself.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ManagementHttp, ManagementHttpOptions } from '../../lambdas/adapters/management-http.js';

export function createSdkManagementHttp(options: ManagementHttpOptions & { tuned: boolean }): ManagementHttp {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
  const client = new ApiGatewayManagementApiClient({
    endpoint: options.endpoint,
    region: options.region,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      throwOnRequestTimeout: true,
    }),
    // One attempt per call: the notifier retries.
    maxAttempts: 1,
  });
  if (options.tuned) tuneManagementClient(client);
  return {
    async call(method, connectionId, payload) {
      if (method === 'GET') {
        const answer = await client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
        // The lean path's answer is the API's JSON: the client's parsed fields are turned back into it.
        const body = JSON.stringify({ lastActiveAt: answer.LastActiveAt?.toISOString() });
        return { status: answer.$metadata.httpStatusCode ?? 200, body };
      }
      const answer =
        method === 'DELETE'
          ? await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }))
          : await client.send(
              new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(payload ?? '', 'utf8') }),
            );
      return { status: answer.$metadata.httpStatusCode ?? 200, body: '' };
    },
    destroy: () => client.destroy(),
  };
}

function tuneManagementClient(client: ApiGatewayManagementApiClient): void {
  (client.config as { cacheMiddleware?: boolean }).cacheMiddleware = true;

  client.middlewareStack.add((next) => next, {
    name: 'retryMiddleware',
    step: 'finalizeRequest',
    priority: 'high',
    tags: ['RETRY'],
    override: true,
  });

  let userAgent: Promise<{ sdk: string; full: string }> | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      userAgent ??= client.config.defaultUserAgentProvider().then(formatUserAgent);
      const { sdk, full } = await userAgent;
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) {
        request.headers['x-amz-user-agent'] = sdk;
        request.headers['user-agent'] = full;
      }
      return next(args);
    },
    {
      name: 'getUserAgentMiddleware',
      step: 'build',
      priority: 'low',
      tags: ['SET_USER_AGENT', 'USER_AGENT'],
      override: true,
    },
  );
}

/** [name, version] pairs as the SDK formats them: "aws-sdk-js/3.x", "os/linux#6.1", "api/apigatewaymanagementapi#3.x". */
function formatUserAgent(pairs: ReadonlyArray<readonly [string, string?]>): { sdk: string; full: string } {
  const sections = pairs.map(([name, version]) => {
    const clean = (text: string) => text.replace(/[^!$%&'*+\-.^_`|~\w/#]/g, '-');
    const [prefix, ...rest] = clean(name).split('/');
    const label = rest.length
      ? `${prefix}/${prefix === 'api' ? rest.join('/').toLowerCase() : rest.join('/')}`
      : prefix!;
    if (!version) return label;
    return `${label}${rest.length ? '#' : '/'}${clean(version)}`;
  });
  return { sdk: sections.filter((s) => s.startsWith('aws-sdk-')).join(' '), full: sections.join(' ') };
}
