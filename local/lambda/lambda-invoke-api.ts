// Lambda's Invoke API as the real @aws-sdk/client-lambda client speaks it (restJson1):
// POST /2015-03-31/functions/<name>/invocations with the event as the body. `X-Amz-Invocation-Type: Event` queues
// it (202, empty body) for the asynchronous invoker; RequestResponse (the default) runs it and answers 200 with its
// result, or with `X-Amz-Function-Error: Unhandled` and the error; DryRun answers 204. Errors carry their type in
// `x-amzn-ErrorType`, as Lambda's do. Only the functions named in `functions` can be invoked. Requests are signed
// with SigV4 by the client; the signature is not checked, since there are no real credentials locally.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../http-util.js';
import type { AsyncInvoker } from './async-invoker.js';

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** The asynchronous invocation payload limit this backend holds to (see lambda-fan-out-dispatcher.ts). */
export const LOCAL_ASYNC_PAYLOAD_MAX_BYTES = 262_144;
const SYNC_PAYLOAD_MAX_BYTES = 6 * 1024 * 1024;

export interface LambdaInvokeApi {
  /** Handles the request when it is an Invoke call; false when the path is not one. */
  handle(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<boolean>;
}

export function createLambdaInvokeApi(options: {
  functions: ReadonlySet<string>;
  invoker: AsyncInvoker;
  runSync: (functionName: string, event: unknown) => Promise<unknown>;
}): LambdaInvokeApi {
  return {
    async handle(request, response, pathname) {
      const match = INVOKE_PATH.exec(pathname);
      if (!match) return false;
      if (request.method !== 'POST') {
        sendError(response, 405, 'MethodNotAllowedException', 'Invoke takes POST');
        return true;
      }
      const functionName = functionNameOf(match[1]!);
      if (functionName === undefined || !options.functions.has(functionName)) {
        request.resume();
        sendError(response, 404, 'ResourceNotFoundException', `Function not found: ${match[1]}`);
        return true;
      }
      const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      const limit = invocationType === 'Event' ? LOCAL_ASYNC_PAYLOAD_MAX_BYTES : SYNC_PAYLOAD_MAX_BYTES;
      const { body, tooLarge } = await readBody(request, limit);
      if (tooLarge) {
        sendError(response, 413, 'RequestTooLargeException', `Request must be smaller than ${limit} bytes`);
        return true;
      }
      let event: unknown;
      try {
        event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        sendError(response, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
        return true;
      }
      switch (invocationType) {
        case 'Event':
          options.invoker.accept(functionName, event);
          response.writeHead(202, { 'x-amzn-RequestId': randomUUID(), 'Content-Length': 0 });
          response.end();
          return true;
        case 'DryRun':
          response.writeHead(204, { 'x-amzn-RequestId': randomUUID() });
          response.end();
          return true;
        case 'RequestResponse':
          await runSync(options, functionName, event, response);
          return true;
        default:
          sendError(response, 400, 'InvalidParameterValueException', `Unknown invocation type: ${invocationType}`);
          return true;
      }
    },
  };
}

async function runSync(
  options: { runSync: (functionName: string, event: unknown) => Promise<unknown> },
  functionName: string,
  event: unknown,
  response: ServerResponse,
): Promise<void> {
  try {
    const result = await options.runSync(functionName, event);
    sendJson(response, 200, result ?? null, { 'X-Amz-Executed-Version': '$LATEST' });
  } catch (error) {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    sendJson(
      response,
      200,
      { errorType: name, errorMessage: message },
      { 'X-Amz-Function-Error': 'Unhandled', 'X-Amz-Executed-Version': '$LATEST' },
    );
  }
}

/** The function's name from a name or an ARN (arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]). */
function functionNameOf(segment: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  const arn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(decoded);
  return arn ? arn[1] : decoded;
}

function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  sendJson(response, status, { Type: 'User', message }, { 'x-amzn-ErrorType': type, 'x-amzn-RequestId': randomUUID() });
}
