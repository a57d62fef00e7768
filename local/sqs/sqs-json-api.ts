// Amazon SQS's HTTP API as the AWS SDK v3 speaks it (the AWS JSON 1.0 protocol): POST / with
// `X-Amz-Target: AmazonSQS.<Operation>` and a JSON body; errors as `{"__type": "com.amazonaws.sqs#<Code>"}` with
// the query-compatible code in `x-amzn-query-error`. The operations the redelivery path and its tests use:
// GetQueueUrl, GetQueueAttributes, SendMessage(Batch), ReceiveMessage, DeleteMessage(Batch),
// ChangeMessageVisibility(Batch). Requests are signed with SigV4 by the client; the signature is not checked.
// Names in requests are data: queues and attributes live in Maps, never as keys of plain objects.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readBody } from '../http-util.js';
import type { LocalQueue, MessageAttributeValue, StoredMessage } from './local-queue.js';

/** SQS's limits: 10 entries per batch, 256 KiB per message and per batch, 20 s of long polling, 12 h of invisibility. */
export const SQS_LIMITS = {
  batchEntries: 10,
  messageBytes: 262_144,
  waitSeconds: 20,
  visibilitySeconds: 43_200,
  delaySeconds: 900,
};

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** The characters SQS accepts in a message body. */
const INVALID_BODY_CHARACTER = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

class SqsError extends Error {
  constructor(
    readonly code: string,
    readonly queryCode: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const nonExistentQueue = () =>
  new SqsError('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
const invalidParameter = (message: string) => new SqsError('InvalidParameterValue', 'InvalidParameterValue', message);

type Json = Record<string, unknown>;
type Operation = (queues: QueueDirectory, input: Json) => Promise<Json> | Json;

export interface QueueDirectory {
  byUrl(url: unknown): LocalQueue | undefined;
  byName(name: unknown): LocalQueue | undefined;
}

/** Serves one request of the SQS API. */
export async function handleSqsRequest(
  queues: QueueDirectory,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation =
      request.method === 'POST' && target.startsWith('AmazonSQS.')
        ? OPERATIONS.get(target.slice('AmazonSQS.'.length))
        : undefined;
    if (!operation)
      throw new SqsError(
        'UnsupportedOperation',
        'AWS.SimpleQueueService.UnsupportedOperation',
        `unsupported: ${target || request.method}`,
      );
    const { body, tooLarge } = await readBody(request, MAX_REQUEST_BYTES);
    if (tooLarge)
      throw new SqsError('BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong', 'Request too large', 413);
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      throw new SqsError('SerializationException', 'SerializationException', 'body: not JSON');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new SqsError('SerializationException', 'SerializationException', 'body: not a JSON object');
    send(response, 200, await operation(queues, input as Json));
  } catch (error) {
    const sqsError =
      error instanceof SqsError ? error : new SqsError('InternalError', 'InternalError', (error as Error).message, 500);
    send(
      response,
      sqsError.status,
      { __type: `com.amazonaws.sqs#${sqsError.code}`, message: sqsError.message },
      {
        'x-amzn-query-error': `${sqsError.queryCode};${sqsError.status >= 500 ? 'Receiver' : 'Sender'}`,
      },
    );
  }
}

function send(response: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...headers,
  });
  response.end(text);
}

function queueOf(queues: QueueDirectory, input: Json): LocalQueue {
  const queue = queues.byUrl(input.QueueUrl);
  if (!queue) throw nonExistentQueue();
  return queue;
}

function integer(
  input: Json,
  name: string,
  { min, max, fallback }: { min: number; max: number; fallback?: number },
): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw invalidParameter(`${name}: must be a whole number from ${min} to ${max}`);
  }
  return value as number;
}

function entriesOf(input: Json): Json[] {
  const entries = input.Entries;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new SqsError(
      'EmptyBatchRequest',
      'AWS.SimpleQueueService.EmptyBatchRequest',
      'There should be at least one entry in the request.',
    );
  }
  if (entries.length > SQS_LIMITS.batchEntries) {
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${SQS_LIMITS.batchEntries}.`,
    );
  }
  const ids = new Set<string>();
  for (const entry of entries as Json[]) {
    if (typeof entry?.Id !== 'string' || !/^[\w-]{1,80}$/.test(entry.Id)) {
      throw new SqsError(
        'InvalidBatchEntryId',
        'AWS.SimpleQueueService.InvalidBatchEntryId',
        'Id: 1 to 80 letters, digits, hyphens and underscores',
      );
    }
    if (ids.has(entry.Id))
      throw new SqsError(
        'BatchEntryIdsNotDistinct',
        'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
        `Id ${entry.Id} repeated`,
      );
    ids.add(entry.Id);
  }
  return entries as Json[];
}

/** A message as sent: its body and attributes, checked as SQS checks them, and its size as SQS counts it. */
function messageOf(input: Json): {
  body: string;
  attributes: Map<string, MessageAttributeValue>;
  bytes: number;
  delayMs: number;
} {
  const body = input.MessageBody;
  if (typeof body !== 'string' || body.length === 0) throw invalidParameter('MessageBody: required');
  if (INVALID_BODY_CHARACTER.test(body)) {
    throw new SqsError(
      'InvalidMessageContents',
      'InvalidMessageContents',
      'MessageBody: contains characters outside the allowed set',
    );
  }
  let bytes = Buffer.byteLength(body, 'utf8');
  const attributes = new Map<string, MessageAttributeValue>();
  const raw = input.MessageAttributes;
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidParameter('MessageAttributes: must be an object');
    const named = Object.entries(raw as Json);
    if (named.length > 10) throw invalidParameter('MessageAttributes: at most 10');
    for (const [name, value] of named) {
      const attribute = value as Partial<MessageAttributeValue> | null;
      if (typeof attribute?.DataType !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(attribute.DataType)) {
        throw invalidParameter(`MessageAttributes.${name}.DataType: String, Number or Binary`);
      }
      const binary = attribute.DataType.startsWith('Binary');
      const content = binary ? attribute.BinaryValue : attribute.StringValue;
      if (typeof content !== 'string')
        throw invalidParameter(`MessageAttributes.${name}: a ${binary ? 'BinaryValue' : 'StringValue'} is required`);
      attributes.set(name, {
        DataType: attribute.DataType,
        ...(binary ? { BinaryValue: content } : { StringValue: content }),
      });
      bytes +=
        Buffer.byteLength(name) +
        Buffer.byteLength(attribute.DataType) +
        (binary ? Buffer.from(content, 'base64').length : Buffer.byteLength(content));
    }
  }
  if (bytes > SQS_LIMITS.messageBytes) invalidParameterTooLong();
  const delayMs = integer(input, 'DelaySeconds', { min: 0, max: SQS_LIMITS.delaySeconds, fallback: 0 })! * 1000;
  return { body, attributes, bytes, delayMs };
}

function invalidParameterTooLong(): never {
  throw invalidParameter(
    `One or more parameters are invalid. Reason: Message must be shorter than ${SQS_LIMITS.messageBytes} bytes.`,
  );
}

const sentAnswer = (message: StoredMessage): Json => ({
  MessageId: message.messageId,
  MD5OfMessageBody: message.md5OfBody,
  ...(message.md5OfMessageAttributes && { MD5OfMessageAttributes: message.md5OfMessageAttributes }),
});

function receivedAnswer(message: StoredMessage, input: Json): Json {
  const wanted = new Set<string>([
    ...(Array.isArray(input.AttributeNames) ? (input.AttributeNames as string[]) : []),
    ...(Array.isArray(input.MessageSystemAttributeNames) ? (input.MessageSystemAttributeNames as string[]) : []),
  ]);
  const system: Array<[string, string]> = [
    ['SenderId', 'AIDALOCALSTACKSENDER'],
    ['SentTimestamp', String(message.sentAt)],
    ['ApproximateReceiveCount', String(message.receiveCount)],
    ['ApproximateFirstReceiveTimestamp', String(message.firstReceiveAt ?? message.sentAt)],
  ];
  if (message.deadLetterSourceArn) system.push(['DeadLetterQueueSourceArn', message.deadLetterSourceArn]);
  const attributes = system.filter(([name]) => wanted.has('All') || wanted.has(name));
  const wantedUser = new Set<string>(
    Array.isArray(input.MessageAttributeNames) ? (input.MessageAttributeNames as string[]) : [],
  );
  const userAttributes = [...message.attributes].filter(
    ([name]) => wantedUser.has('All') || wantedUser.has('.*') || wantedUser.has(name),
  );
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(attributes.length > 0 && { Attributes: Object.fromEntries(attributes) }),
    ...(userAttributes.length > 0 && {
      MessageAttributes: Object.fromEntries(userAttributes),
      MD5OfMessageAttributes: message.md5OfMessageAttributes,
    }),
  };
}

function batchFailure(id: string, code: string, message: string, senderFault = true): Json {
  return { Id: id, Code: code, Message: message, SenderFault: senderFault };
}

const OPERATIONS = new Map<string, Operation>([
  [
    'GetQueueUrl',
    (queues, input) => {
      const queue = queues.byName(input.QueueName);
      if (!queue) throw nonExistentQueue();
      return { QueueUrl: queue.url };
    },
  ],
  [
    'GetQueueAttributes',
    (queues, input) => {
      const queue = queueOf(queues, input);
      const { visible, inFlight } = queue.counts();
      const all: Array<[string, string]> = [
        ['QueueArn', queue.arn],
        ['ApproximateNumberOfMessages', String(visible)],
        ['ApproximateNumberOfMessagesNotVisible', String(inFlight)],
        ['VisibilityTimeout', String(Math.ceil(queue.visibilityTimeoutMs / 1000))],
      ];
      if (queue.redrive) {
        all.push([
          'RedrivePolicy',
          JSON.stringify({
            deadLetterTargetArn: queue.redrive.deadLetterQueue.arn,
            maxReceiveCount: queue.redrive.maxReceiveCount,
          }),
        ]);
      }
      const wanted = new Set(Array.isArray(input.AttributeNames) ? (input.AttributeNames as string[]) : []);
      return { Attributes: Object.fromEntries(all.filter(([name]) => wanted.has('All') || wanted.has(name))) };
    },
  ],
  [
    'SendMessage',
    (queues, input) => {
      const queue = queueOf(queues, input);
      const { body, attributes, delayMs } = messageOf(input);
      return sentAnswer(queue.send(body, attributes, { delayMs }));
    },
  ],
  [
    'SendMessageBatch',
    (queues, input) => {
      const queue = queueOf(queues, input);
      const entries = entriesOf(input);
      const checked = entries.map((entry) => {
        try {
          return { id: entry.Id as string, message: messageOf(entry) };
        } catch (error) {
          if (!(error instanceof SqsError)) throw error;
          return { id: entry.Id as string, error };
        }
      });
      const total = checked.reduce((sum, entry) => sum + (entry.message?.bytes ?? 0), 0);
      if (total > SQS_LIMITS.messageBytes) {
        throw new SqsError(
          'BatchRequestTooLong',
          'AWS.SimpleQueueService.BatchRequestTooLong',
          `Batch requests cannot be longer than ${SQS_LIMITS.messageBytes} bytes.`,
        );
      }
      const Successful: Json[] = [];
      const Failed: Json[] = [];
      for (const entry of checked) {
        if (entry.message)
          Successful.push({
            Id: entry.id,
            ...sentAnswer(queue.send(entry.message.body, entry.message.attributes, { delayMs: entry.message.delayMs })),
          });
        else Failed.push(batchFailure(entry.id, entry.error!.code, entry.error!.message));
      }
      return { Successful, Failed };
    },
  ],
  [
    'ReceiveMessage',
    async (queues, input) => {
      const queue = queueOf(queues, input);
      const max = integer(input, 'MaxNumberOfMessages', { min: 1, max: SQS_LIMITS.batchEntries, fallback: 1 })!;
      const visibility = integer(input, 'VisibilityTimeout', { min: 0, max: SQS_LIMITS.visibilitySeconds });
      const wait = integer(input, 'WaitTimeSeconds', { min: 0, max: SQS_LIMITS.waitSeconds, fallback: 0 })!;
      const messages = await queue.receive(max, visibility === undefined ? undefined : visibility * 1000, wait * 1000);
      return messages.length === 0 ? {} : { Messages: messages.map((message) => receivedAnswer(message, input)) };
    },
  ],
  [
    'DeleteMessage',
    (queues, input) => {
      if (!queueOf(queues, input).delete(String(input.ReceiptHandle))) throw receiptHandleInvalid();
      return {};
    },
  ],
  [
    'DeleteMessageBatch',
    (queues, input) => {
      const queue = queueOf(queues, input);
      return settleBatch(entriesOf(input), (entry) => queue.delete(String(entry.ReceiptHandle)));
    },
  ],
  [
    'ChangeMessageVisibility',
    (queues, input) => {
      const seconds = integer(input, 'VisibilityTimeout', { min: 0, max: SQS_LIMITS.visibilitySeconds })!;
      if (!queueOf(queues, input).changeVisibility(String(input.ReceiptHandle), seconds * 1000))
        throw receiptHandleInvalid();
      return {};
    },
  ],
  [
    'ChangeMessageVisibilityBatch',
    (queues, input) => {
      const queue = queueOf(queues, input);
      return settleBatch(entriesOf(input), (entry) => {
        const seconds = integer(entry, 'VisibilityTimeout', { min: 0, max: SQS_LIMITS.visibilitySeconds })!;
        return queue.changeVisibility(String(entry.ReceiptHandle), seconds * 1000);
      });
    },
  ],
]);

function receiptHandleInvalid(): SqsError {
  return new SqsError('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', 'The receipt handle provided is not valid.');
}

function settleBatch(entries: Json[], apply: (entry: Json) => boolean): Json {
  const Successful: Json[] = [];
  const Failed: Json[] = [];
  for (const entry of entries) {
    if (apply(entry)) Successful.push({ Id: entry.Id });
    else
      Failed.push(
        batchFailure(entry.Id as string, 'ReceiptHandleIsInvalid', 'The receipt handle provided is not valid.'),
      );
  }
  return { Successful, Failed };
}
