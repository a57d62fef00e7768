// The SQS client every queue adapter uses: keep-alive sockets, and locally the emulator the queue URL names.
import { SQSClient } from '@aws-sdk/client-sqs';
import { keepAliveRequestHandler } from './keep-alive-handler.js';

export interface SqsQueueTarget {
  queueUrl: string;
  region: string;
  /** Local only; on AWS the SDK's default chain (the function's role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function createSqsClient(target: SqsQueueTarget): SQSClient {
  const local = target.queueUrl.startsWith('http://');
  return new SQSClient({
    region: target.region,
    // Locally the queue URL names the emulator; on AWS the regional endpoint is the queue URL's own host.
    ...(local ? { endpoint: new URL(target.queueUrl).origin } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
    requestHandler: keepAliveRequestHandler(),
  });
}
