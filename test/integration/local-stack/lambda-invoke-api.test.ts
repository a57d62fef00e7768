// The local Lambda Invoke API with the real @aws-sdk/client-lambda: Event invocations answered 202 and run
// asynchronously within the function's concurrency, a failed run tried twice more then dropped (Lambda's
// asynchronous retries), RequestResponse answered with the result or the function error, and Lambda's errors for an
// unknown function and a payload over the limit.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAsyncInvoker } from '../../../local/lambda/async-invoker.js';
import { createLambdaInvokeApi, LOCAL_ASYNC_PAYLOAD_MAX_BYTES } from '../../../local/lambda/lambda-invoke-api.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const runs: Array<{ event: unknown; attempt: number }> = [];
let running = 0;
let peakRunning = 0;
/** Fails the first `failuresLeft.get(id)` runs of the event with that id. */
const failuresLeft = new Map<string, number>();

async function fakeFunction(_name: string, event: unknown): Promise<unknown> {
  const id = (event as { id: string }).id;
  running += 1;
  peakRunning = Math.max(peakRunning, running);
  try {
    await new Promise((resolve) => setTimeout(resolve, 20));
    runs.push({ event, attempt: runs.filter((r) => (r.event as { id: string }).id === id).length + 1 });
    const left = failuresLeft.get(id) ?? 0;
    if (left > 0) {
      failuresLeft.set(id, left - 1);
      throw new Error(`run of ${id} failed`);
    }
    return { echoed: id };
  } finally {
    running -= 1;
  }
}

const invoker = createAsyncInvoker({ run: fakeFunction, logger: silent, maxConcurrency: 3, retryDelaysMs: [10, 20] });
const api = createLambdaInvokeApi({ functions: new Set(['fanout']), invoker, runSync: fakeFunction });
let server: Server;
let client: LambdaClient;

beforeAll(async () => {
  server = createServer((request, response) => {
    void api.handle(request, response, new URL(request.url ?? '/', 'http://x').pathname).then((handled) => {
      if (!handled) response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new LambdaClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await invoker.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const invokeEvent = (id: string, functionName = 'fanout') =>
  client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: payload({ id }) }));

describe('local Lambda Invoke API', () => {
  it('answers an Event invocation 202 at once and runs it, at most the concurrency at a time', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `e${i}`);
    const answers = await Promise.all(ids.map((id) => invokeEvent(id)));
    expect(answers.map((a) => a.StatusCode)).toEqual(ids.map(() => 202));
    await invoker.idle();
    expect(ids.every((id) => runs.some((r) => (r.event as { id: string }).id === id))).toBe(true);
    expect(peakRunning).toBe(3);
  });

  it('runs a failed event twice more, then drops it', async () => {
    failuresLeft.set('flaky', 1);
    failuresLeft.set('broken', 10);
    const before = invoker.stats();
    await invokeEvent('flaky');
    await invokeEvent('broken');
    await invoker.idle();
    const attemptsOf = (id: string) => runs.filter((r) => (r.event as { id: string }).id === id).length;
    expect(attemptsOf('flaky')).toBe(2);
    expect(attemptsOf('broken')).toBe(3);
    const after = invoker.stats();
    expect(after.failures - before.failures).toBe(4);
    expect(after.dropped - before.dropped).toBe(1);
  });

  it('accepts the function by ARN, and answers RequestResponse with the result or the function error', async () => {
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:fanout';
    const ok = await client.send(new InvokeCommand({ FunctionName: arn, Payload: payload({ id: 'sync' }) }));
    expect(ok.StatusCode).toBe(200);
    expect(JSON.parse(new TextDecoder().decode(ok.Payload))).toEqual({ echoed: 'sync' });
    failuresLeft.set('sync-fail', 1);
    const failed = await client.send(
      new InvokeCommand({ FunctionName: 'fanout', Payload: payload({ id: 'sync-fail' }) }),
    );
    expect(failed.FunctionError).toBe('Unhandled');
    expect(JSON.parse(new TextDecoder().decode(failed.Payload))).toMatchObject({
      errorMessage: 'run of sync-fail failed',
    });
  });

  it("refuses an unknown function and a payload over the limit with Lambda's errors", async () => {
    await expect(invokeEvent('x', 'message')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const tooLarge = payload({ id: 'big', pad: 'x'.repeat(LOCAL_ASYNC_PAYLOAD_MAX_BYTES) });
    await expect(
      client.send(new InvokeCommand({ FunctionName: 'fanout', InvocationType: 'Event', Payload: tooLarge })),
    ).rejects.toMatchObject({ name: 'RequestTooLargeException' });
    expect(runs.some((r) => (r.event as { id: string }).id === 'big')).toBe(false);
  });
});
