// The request handler of the SDK clients that talk to AWS services other than DynamoDB and the management API
// (SQS, SNS, EventBridge): keep-alive sockets, so a warm function does not open a TLS connection per call, and a
// short connection timeout. Past requestTimeout the SDK warns but keeps waiting (no throwOnRequestTimeout): a slow
// answer still queues or publishes, where giving up could lose the work; the function's own timeout bounds the wait.
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
