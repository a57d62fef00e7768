// Every function's bundle, built exactly as the stack builds it (CHAT_BUNDLING: the credential chain replaced by the
// environment-only provider): under its size ceiling, with exactly the AWS SDK clients it calls. Then the message
// handler's and the fan-out worker's bundles run in a fresh Node process against the local stack's dynalite and
// management API with credentials only in the environment, as on Lambda: their DynamoDB and management API calls are
// signed with them, and the client receives the frame. Without them no call goes out, and the log says where
// credentials come from.
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES, type FunctionName } from '../../lambdas/adapters/function-names.js';
import { useStack } from '../integration/local-stack/support/stack-fixture.js';
import { bundleHandler, removeSynthOutputs } from './support/synth.js';

afterAll(removeSynthOutputs);

/**
 * Each function's size ceiling (bytes of index.mjs) and the AWS SDK clients (`@aws-sdk/client-*`) it may carry: the
 * ones it calls, and no other. A Record over FunctionName, so a new function cannot be deployed unmeasured.
 *
 * Measured with bundleHandler: authorizer 61.0 KB (no AWS SDK: it only verifies the token), connect 349.2 KB,
 * disconnect 348.7 KB, redelivery 348.6 KB, fanout 348.8 KB, push 376.1 KB, sweeper 348.5 KB, message 518.2 KB
 * (only the message function carries the frame router, every action and the frame schemas).
 * The chat functions' ceiling is the 400 KB cold-start target itself (bench/cold-start), so growth past it fails
 * here; the message function misses that target and only may not grow further.
 */
const BUNDLES: Record<FunctionName, { ceilingBytes: number; sdkClients: readonly string[] }> = {
  authorizer: { ceilingBytes: 100_000, sdkClients: [] },
  connect: { ceilingBytes: 400_000, sdkClients: ['client-dynamodb', 'client-sqs'] },
  disconnect: { ceilingBytes: 400_000, sdkClients: ['client-dynamodb', 'client-sqs'] },
  // The 400 KB cold-start target is missed since the message function carries the Lambda client (split fan-out) and
  // the EventBridge client (reports): README, "Cold start". Loading them lazily made the file larger and its import
  // no faster, so they stay static; this ceiling only guards against further growth.
  message: {
    ceilingBytes: 550_000,
    sdkClients: ['client-dynamodb', 'client-eventbridge', 'client-lambda', 'client-sqs'],
  },
  redelivery: { ceilingBytes: 400_000, sdkClients: ['client-dynamodb', 'client-sqs'] },
  fanout: { ceilingBytes: 400_000, sdkClients: ['client-dynamodb', 'client-sqs'] },
  push: { ceilingBytes: 400_000, sdkClients: ['client-dynamodb', 'client-sns', 'client-sqs'] },
  sweeper: { ceilingBytes: 400_000, sdkClients: ['client-dynamodb', 'client-sqs'] },
};

/** What the SDK's default credential chain brings beyond the environment provider (LAMBDA_CREDENTIALS_ALIAS). */
const CREDENTIAL_CHAIN =
  /@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|http|login)|nested-clients|token-providers)\/|@smithy\/credential-provider-imds\//;

const bundles = new Map<FunctionName, string>();
let bundle: string;
let workerBundle: string;

beforeAll(() => {
  for (const name of FUNCTION_NAMES) bundles.set(name, bundleHandler(name, { metafile: true }));
  bundle = bundles.get('message')!;
  workerBundle = bundles.get('fanout')!;
}, 300_000);

const inputsOf = (dir: string): string[] =>
  Object.keys(JSON.parse(readFileSync(join(dir, 'index.meta.json'), 'utf8')).inputs as object);

describe('every function bundle', () => {
  it.each(FUNCTION_NAMES)('%s stays under its size ceiling', (name) => {
    const bytes = statSync(join(bundles.get(name)!, 'index.mjs')).size;
    console.log(`${name} bundle: ${(bytes / 1000).toFixed(1)} KB`);
    expect(bytes).toBeLessThan(BUNDLES[name].ceilingBytes);
  });

  it.each(FUNCTION_NAMES)('%s carries exactly its AWS SDK clients, and no credential chain', (name) => {
    const inputs = inputsOf(bundles.get(name)!);
    const clients = new Set(inputs.flatMap((input) => /@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input)?.[1] ?? []));
    expect([...clients].sort()).toEqual(BUNDLES[name].sdkClients);
    expect(inputs.filter((input) => CREDENTIAL_CHAIN.test(input))).toEqual([]);
    // The functions that call AWS find credentials in the environment only (lambdas/adapters/lambda-credentials.ts).
    const callsAws = BUNDLES[name].sdkClients.length > 0;
    expect(inputs.some((input) => input.includes('@aws-sdk/credential-provider-env'))).toBe(callsAws);
    expect(inputs.some((input) => input.endsWith('lambdas/adapters/lambda-credentials.ts'))).toBe(callsAws);
    // The token verifier only where tokens are verified.
    expect(inputs.some((input) => input.includes('aws-jwt-verify'))).toBe(name === 'authorizer');
    // The frame router, every action and the frame schemas only where frames are answered.
    const answersFrames = name === 'message';
    expect(inputs.some((input) => input.endsWith('lambdas/chat/router.ts'))).toBe(answersFrames);
    expect(inputs.some((input) => input.includes('lambdas/chat/actions/'))).toBe(answersFrames);
    expect(inputs.some((input) => /node_modules\/zod\//.test(input))).toBe(answersFrames);
  });
});

describe('the bundled message handler', () => {
  const s = useStack();

  it('carries the attachment signer: the SDK signer, not the S3 client', () => {
    const inputs = inputsOf(bundle);
    expect(inputs.some((input) => input.includes('@smithy/signature-v4'))).toBe(true);
    expect(inputs.filter((input) => input.includes('@aws-sdk/client-s3'))).toEqual([]);
  });

  it('signs its DynamoDB and management API calls with the credentials from the environment', async () => {
    const { client, event } = await createRoomEventFor('bundled', 'from the bundle', 'bundled-1');

    const result = await invokeBundle(event, {
      AWS_ACCESS_KEY_ID: 'ASIALOCAL',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
    });
    expect(result.stderr).not.toMatch(/Error/);
    expect(JSON.parse(result.stdout)).toEqual({ statusCode: 200 });
    const ack = await client.frame((frame) => frame.requestId === 'bundled-1');
    expect(ack).toMatchObject({ type: 'ack', action: 'createRoom', room: { name: 'from the bundle' } });
    // Written through the bundle's DynamoDB client: the local handlers see the room.
    expect((await client.request('hello')).rooms).toEqual([expect.objectContaining({ name: 'from the bundle' })]);
  });

  it('refuses to call AWS without credentials in the environment, and says where they must come from', async () => {
    const { client, event } = await createRoomEventFor('bundled-nocreds', 'never written', 'bundled-2');
    const result = await invokeBundle(event, {});
    const errors = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: string; errorMessage?: string });
    expect(errors).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        errorMessage: expect.stringContaining('AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: not set'),
      }),
    ]);
    expect((await client.request('hello')).rooms).toEqual([]);
  });

  it('the fan-out worker bundle delivers a batch, signed with the credentials from the environment', async () => {
    const { client, connectionId, userId } = await s.connect('worker-target');
    const { client: skipped, connectionId: skippedId, userId: skippedUser } = await s.connect('worker-skipped');
    const frame = { type: 'typing', roomId: 'r-bundle', userId: 'u', displayName: 'U', isTyping: false };
    const batch = {
      roomId: 'r-bundle',
      payloads: [JSON.stringify(frame)],
      recipients: [
        { connectionId, userId },
        { connectionId: skippedId, userId: skippedUser },
      ],
      exclude: { userIds: [skippedUser] },
      roomSize: 2,
      startedAt: Date.now(),
    };
    const result = await invokeBundle(
      batch,
      { AWS_ACCESS_KEY_ID: 'ASIALOCAL', AWS_SECRET_ACCESS_KEY: 'local', AWS_SESSION_TOKEN: 'local' },
      workerBundle,
    );
    expect(result.stderr).not.toMatch(/Error/);
    expect(await client.frame((f) => f.roomId === 'r-bundle')).toEqual(frame);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(skipped.frames.filter((f) => f.includes('r-bundle'))).toEqual([]);
  });

  /** A connected client, and a createRoom frame event of its connection as the gateway builds it (from a real one). */
  async function createRoomEventFor(label: string, name: string, requestId: string) {
    const { client, connectionId } = await s.connect(label);
    await client.request('hello');
    const template = s.log.of('MESSAGE', connectionId)[0]!;
    const event = {
      ...template,
      body: JSON.stringify({ action: 'createRoom', name, requestId }),
      requestContext: { ...template.requestContext, routeKey: 'createRoom', requestId: `${requestId}-request` },
    };
    return { client, event };
  }

  // Asynchronous: the local stack serves the bundle's requests from this very process.
  async function invokeBundle(
    event: unknown,
    credentials: Record<string, string>,
    dir = bundle,
  ): Promise<{ stdout: string; stderr: string }> {
    const script = `const { handler } = await import('./index.mjs');
const result = await handler(JSON.parse(process.env.EVENT));
process.stdout.write(JSON.stringify(result ?? null));`;
    const env = {
      PATH: process.env.PATH,
      NODE_OPTIONS: '',
      AWS_REGION: 'us-east-1',
      TABLE_NAME: s.stack.config.tableName!,
      DYNAMODB_ENDPOINT: s.stack.config.dynamoEndpoint!,
      MANAGEMENT_ENDPOINT: s.stack.httpUrl,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      EVENT: JSON.stringify(event),
      ...credentials,
    };
    return new Promise((resolve, reject) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { cwd: dir, encoding: 'utf8', timeout: 30_000, env },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, stderr }),
      ),
    );
  }
});
