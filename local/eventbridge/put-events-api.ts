// Amazon EventBridge's PutEvents as the AWS SDK v3 speaks it (the AWS JSON 1.1 protocol): POST / with
// `X-Amz-Target: AWSEvents.PutEvents` and a JSON body; errors as `{"__type": "<Code>", "message"}`. Entries are
// checked as EventBridge checks them (1 to 10, at most 256 KiB together; Source, DetailType and a Detail that is a
// JSON object; a bus that exists): a bad entry fails alone, with its ErrorCode, the others are put. The signature is
// not checked. Names in requests are data: buses live in a Set, never as keys of plain objects.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../http-util.js';

export const EVENTBRIDGE_LIMITS = { entries: 10, requestBytes: 262_144 };

/** An event as EventBridge hands it to a rule's targets, and the bus it was put on. */
export interface PutEvent {
  eventBusName: string;
  event: {
    version: '0';
    id: string;
    'detail-type': string;
    source: string;
    account: string;
    time: string;
    region: string;
    resources: string[];
    detail: unknown;
  };
}

export interface EventBusDirectory {
  region: string;
  account: string;
  /** The bus's name when `nameOrArn` names one that exists (a name, or the ARN of a bus of this account). */
  busNamed(nameOrArn: string): string | undefined;
  record(event: PutEvent): void;
}

class EventBridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;
type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** Serves one request of the EventBridge API (PutEvents only). */
export async function handlePutEventsRequest(
  buses: EventBusDirectory,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    const target = String(request.headers['x-amz-target'] ?? '');
    if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
      throw new EventBridgeError('UnknownOperationException', `unsupported: ${target || request.method}`);
    }
    const { body, tooLarge } = await readBody(request, MAX_REQUEST_BYTES);
    if (tooLarge) throw new EventBridgeError('ValidationException', 'Request too large', 413);
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      throw new EventBridgeError('SerializationException', 'body: not JSON');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new EventBridgeError('SerializationException', 'body: not a JSON object');
    }
    send(response, 200, putEvents(buses, input as Json));
  } catch (error) {
    const failure =
      error instanceof EventBridgeError
        ? error
        : new EventBridgeError('InternalException', (error as Error).message, 500);
    send(response, failure.status, { __type: failure.code, message: failure.message });
  }
}

function putEvents(buses: EventBusDirectory, input: Json): Json {
  const entries = input.Entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > EVENTBRIDGE_LIMITS.entries) {
    throw new EventBridgeError('ValidationException', `Entries: must hold 1 to ${EVENTBRIDGE_LIMITS.entries} entries`);
  }
  if (entries.reduce((total: number, entry) => total + entrySize(entry), 0) > EVENTBRIDGE_LIMITS.requestBytes) {
    throw new EventBridgeError('ValidationException', 'Total size of the entries in the request is over the limit.');
  }
  const results: EntryResult[] = entries.map((entry: unknown) => putEntry(buses, entry));
  return { Entries: results, FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length };
}

function putEntry(buses: EventBusDirectory, entry: unknown): EntryResult {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return { ErrorCode: 'InvalidArgument', ErrorMessage: 'An entry must be an object.' };
  }
  const { Source, DetailType, Detail, EventBusName, Resources, Time } = entry as Json;
  if (typeof Source !== 'string' || Source === '' || typeof DetailType !== 'string' || DetailType === '') {
    return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameters Source and DetailType are required.' };
  }
  let detail: unknown;
  try {
    detail = typeof Detail === 'string' ? JSON.parse(Detail) : undefined;
  } catch {
    detail = undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed: a JSON object is required.' };
  }
  const requested = typeof EventBusName === 'string' && EventBusName !== '' ? EventBusName : 'default';
  const busName = buses.busNamed(requested);
  if (busName === undefined) {
    return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${requested} does not exist.` };
  }
  const id = randomUUID();
  buses.record({
    eventBusName: busName,
    event: {
      version: '0',
      id,
      'detail-type': DetailType,
      source: Source,
      account: buses.account,
      // The JSON 1.1 protocol sends timestamps as epoch seconds; events carry them to the second, in UTC.
      time: new Date(typeof Time === 'number' ? Time * 1000 : Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: buses.region,
      resources: Array.isArray(Resources) ? Resources.filter((r): r is string => typeof r === 'string') : [],
      detail,
    },
  });
  return { EventId: id };
}

/** EventBridge counts an entry's Source, DetailType, Detail, EventBusName and Resources, in UTF-8 bytes. */
function entrySize(entry: unknown): number {
  if (typeof entry !== 'object' || entry === null) return 0;
  const fields = entry as Json;
  const text = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  const resources = Array.isArray(fields.Resources) ? fields.Resources.reduce((n: number, r) => n + text(r), 0) : 0;
  return (
    14 + text(fields.Source) + text(fields.DetailType) + text(fields.Detail) + text(fields.EventBusName) + resources
  );
}

function send(response: ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(text);
}
