// The functions' worker thread: builds the functions once (one execution environment, as a warm Lambda) and runs
// each invocation it is sent, many at a time, answering with the result or the error's name and message.
import { parentPort, workerData } from 'node:worker_threads';
import { createLocalFunctions, functionNamed } from './local-functions.js';
import {
  serializeError,
  type FunctionReply,
  type FunctionRequest,
  type FunctionThreadData,
} from './function-thread-protocol.js';

const port = parentPort!;
const reply = (message: FunctionReply) => port.postMessage(message);

try {
  const { config, logLevel } = workerData as FunctionThreadData;
  const functions = createLocalFunctions(config, { logLevel });
  port.on('message', (request: FunctionRequest) => {
    Promise.resolve()
      .then(() => functionNamed(functions, request.name)(JSON.parse(request.event) as never))
      .then(
        (result) => reply({ type: 'result', id: request.id, ok: true, result }),
        (error: unknown) => reply({ type: 'result', id: request.id, ok: false, error: serializeError(error) }),
      );
  });
  reply({ type: 'ready' });
} catch (error) {
  reply({ type: 'failed-to-start', error: serializeError(error) });
}
