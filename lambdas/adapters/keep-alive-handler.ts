// The HTTP handler of the SDK clients that queue and publish (SQS, SNS): keep-alive sockets, a short connection
// timeout, and a request timeout past which the SDK warns but keeps waiting (no throwOnRequestTimeout): a slow
// answer still queues or publishes, where giving up would lose the work; the function's own timeout bounds the wait.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export function keepAliveRequestHandler(): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true }),
    httpsAgent: new HttpsAgent({ keepAlive: true }),
    connectionTimeout: 3_000,
    requestTimeout: 5_000,
  });
}
