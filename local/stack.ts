// The whole backend on one machine: dynalite for DynamoDB, a dev token issuer for Cognito, and the WebSocket gateway
// emulator for API Gateway, all running the very same handler code as AWS (built by the same wiring factories), the
// handlers on a worker thread of their own (functions/function-host.ts).
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RuntimeConfig } from '../lambdas/adapters/config.js';
import type { APIGatewayAuthorizerResult, SQSBatchResponse } from 'aws-lambda';
import { asLoggerPort, createLogger } from '../lambdas/adapters/logger.js';
import { LIMITS } from '../lambdas/protocol/index.js';
import { createDevTokenIssuer } from './dev-token-issuer.js';
import {
  embeddedDynamoClientConfig,
  ensureTable,
  startEmbeddedDynamo,
  type EmbeddedDynamo,
} from './embedded-dynamo.js';
import { WebSocketGateway, type RouteFunction } from './gateway/websocket-gateway.js';
import {
  inProcessFunctions,
  startFunctionThread,
  withConcurrencyLimit,
  type FunctionHost,
} from './functions/function-host.js';
import { startLocalEventBridge, type LocalEventBridge } from './eventbridge/local-eventbridge.js';
import { createHttpRoutes } from './http-routes.js';
import { createAsyncInvoker, type AsyncInvoker } from './lambda/async-invoker.js';
import { createLambdaInvokeApi } from './lambda/lambda-invoke-api.js';
import { DEFAULT_FAN_OUT_SETTINGS, DEFAULT_HEARTBEAT_POLICY } from '../lambdas/chat/index.js';
import { sendJson } from './http-util.js';
import { SWEEP_TARGET_SHARDS, type SweepEvent } from '../lambdas/adapters/sweep-targets.js';
import { handleManagementRequest, type ManagementApi } from './management-api.js';
import { createSigV4Verifier } from './sigv4-verifier.js';
import { createLocalS3 } from './s3/local-s3.js';
import { DEFAULT_UPLOADS } from '../lambdas/chat/service.js';
import type { LocalStack, LocalStackOptions } from './stack-interface.js';
import { dataFolderProblem, portProblem } from './startup-problem.js';

export { LocalStackStartupError, type StartupProblemKind } from './startup-problem.js';
export type { LocalStack, LocalStackOptions } from './stack-interface.js';
import { startLocalPush, type LocalPush } from './push.js';
import { startLocalRedelivery, type LocalRedelivery } from './redelivery.js';
import { startLocalSchedule, type LocalSchedule } from './schedule.js';

/** How often the sweeper runs unless told otherwise: every minute, as the deployed schedule. */
export const DEFAULT_SWEEP_PERIOD_MS = 60_000;

export const LOCAL_AUDIENCE = 'local-chat-client';
export const LOCAL_TABLE_NAME = 'chat-local';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ATTACHMENTS_BUCKET = 'chat-attachments';
export const LOCAL_MODERATION_BUS = 'chat-local-moderation';
const ISSUER_PATH = '/local-issuer';
const HOST = '127.0.0.1';
/**
 * What the handlers sign with locally. dynalite takes any credentials; the local management API checks every
 * signature against this secret key (any access key id), as API Gateway checks the function role's.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = options.dataDir === undefined ? '.local-data' : options.dataDir;
  const dataPath = dataDir === null ? undefined : resolve(dataDir);
  const logLevel = options.logLevel ?? 'WARN';
  const gatewayLogger = asLoggerPort(createLogger({ serviceName: 'local-gateway', logLevel }));

  let dynamo: EmbeddedDynamo | undefined;
  let server: Server | undefined;
  let functions: FunctionHost | undefined;
  let redelivery: LocalRedelivery | undefined;
  let push: LocalPush | undefined;
  let invoker: AsyncInvoker | undefined;
  let eventBridge: LocalEventBridge | undefined;
  let sweeper: LocalSchedule | undefined;
  try {
    let dynamoDir: string | undefined;
    if (dataPath) {
      dynamoDir = join(dataPath, 'dynamodb');
      await mkdir(dynamoDir, { recursive: true }).catch((error: unknown) => {
        throw dataFolderProblem(error, dataPath) ?? error;
      });
    }
    dynamo = await startEmbeddedDynamo(dynamoDir ? { dataDir: dynamoDir } : {});
    const setupClient = new DynamoDBClient(embeddedDynamoClientConfig(dynamo.endpoint));
    try {
      await ensureTable(setupClient, LOCAL_TABLE_NAME);
    } finally {
      setupClient.destroy();
    }

    // Listen first: the issuer URL and the management endpoint name the port, which may be chosen by the system.
    let ready = false;
    let handleHttp: (request: IncomingMessage, response: ServerResponse) => Promise<void> = async (
      _request,
      response,
    ) => {
      sendJson(response, 503, { status: 'starting' });
    };
    server = createServer((request, response) => {
      handleHttp(request, response).catch((error: unknown) => {
        gatewayLogger.error('http request failed', { error: error instanceof Error ? error.message : String(error) });
        if (!response.headersSent) sendJson(response, 500, { message: 'Internal server error' });
        else response.destroy();
      });
    });
    const requestedPort = options.port ?? 8080;
    const port = await listen(server, requestedPort).catch((error: unknown) => {
      throw portProblem(error, requestedPort) ?? error;
    });
    const httpUrl = `http://${HOST}:${port}`;

    const issuer = await createDevTokenIssuer({
      issuer: `${httpUrl}${ISSUER_PATH}`,
      audience: LOCAL_AUDIENCE,
      ...(dataPath && { keyFile: join(dataPath, 'dev-token-key.pem') }),
    });
    const maxConnectionS = options.maxConnectionS ?? LIMITS.maxConnectionS;
    redelivery = await startLocalRedelivery({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      logger: gatewayLogger,
      ...options.redelivery,
    });
    push = await startLocalPush({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      logger: gatewayLogger,
      ...options.push,
    });
    const maxUploadBytes = options.uploads?.maxBytes ?? DEFAULT_UPLOADS.maxBytes;
    const attachments = createLocalS3({
      bucket: LOCAL_ATTACHMENTS_BUCKET,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxObjectBytes: maxUploadBytes,
      ...(dataPath && { dataDir: dataPath }),
    });
    eventBridge = await startLocalEventBridge({ region: LOCAL_REGION });
    eventBridge.createEventBus(LOCAL_MODERATION_BUS);
    const config: RuntimeConfig = {
      attachmentsBucketUrl: attachments.bucketUrl(httpUrl),
      uploadMaxBytes: maxUploadBytes,
      ...(options.uploads?.contentTypes && { uploadContentTypes: options.uploads.contentTypes }),
      tableName: LOCAL_TABLE_NAME,
      region: LOCAL_REGION,
      dynamoEndpoint: dynamo.endpoint,
      managementEndpoint: options.managementEndpoint ?? httpUrl,
      redeliveryQueueUrl: redelivery.queueUrl,
      redeliveryMaxReceives: redelivery.maxReceiveCount,
      pushQueueUrl: push.jobs.queueUrl,
      pushDelayS: push.delaySeconds,
      push: push.config,
      moderationEventBus: LOCAL_MODERATION_BUS,
      eventBridgeEndpoint: eventBridge.endpoint,
      auth: { mode: 'local', issuer: `${httpUrl}${ISSUER_PATH}`, audience: LOCAL_AUDIENCE, jwks: issuer.jwks },
      maxConnectionS,
      offlineGraceMs: options.offlineGraceMs ?? 0,
      ...(options.heartbeat && { heartbeat: { ...DEFAULT_HEARTBEAT_POLICY, ...options.heartbeat } }),
      credentials: LOCAL_CREDENTIALS,
      // The message handler invokes the worker through the real Lambda client, at the stack's own Invoke API.
      fanOutFunctionName: 'fanout',
      lambdaEndpoint: httpUrl,
      ...(options.fanOut && {
        fanOut: {
          inlineMax: options.fanOut.inlineMax ?? DEFAULT_FAN_OUT_SETTINGS.inlineMax,
          batchSize: options.fanOut.batchSize ?? DEFAULT_FAN_OUT_SETTINGS.batchSize,
        },
      }),
    };
    functions = await startFunctions(config, options, logLevel);
    const host = functions;
    const route = (name: 'connect' | 'disconnect' | 'message'): RouteFunction => {
      const onEvent = options.onIntegrationEvent;
      return async (event) => {
        onEvent?.(event);
        return (await host.invoke(name, event)) as { statusCode?: number } | undefined;
      };
    };
    const gateway = new WebSocketGateway({
      api: {
        apiId: 'local',
        stage: 'local',
        domainName: `${HOST}:${port}`,
        region: LOCAL_REGION,
        accountId: '000000000000',
      },
      integrations: {
        authorizer: async (event) => (await host.invoke('authorizer', event)) as APIGatewayAuthorizerResult,
        connect: route('connect'),
        disconnect: route('disconnect'),
        message: route('message'),
      },
      idleTimeoutS: options.idleTimeoutS ?? LIMITS.idleTimeoutS,
      maxConnectionS,
      logger: gatewayLogger,
    });
    const asyncInvoker = createAsyncInvoker({
      run: (name, event) => host.invoke(name as 'fanout', event),
      logger: gatewayLogger,
      ...(options.fanOut?.workerConcurrency !== undefined && { maxConcurrency: options.fanOut.workerConcurrency }),
      ...(options.fanOut?.retryDelaysMs && { retryDelaysMs: options.fanOut.retryDelaysMs }),
    });
    invoker = asyncInvoker;
    const lambdaApi = createLambdaInvokeApi({
      functions: new Set(['fanout']),
      invoker: asyncInvoker,
      runSync: (name, event) => host.invoke(name as 'fanout', event),
    });
    const routes = createHttpRoutes({
      issuer,
      issuerPath: ISSUER_PATH,
      ...(options.publicDir !== undefined && { publicDir: options.publicDir }),
      isReady: () => ready,
      push: push.sns,
      events: eventBridge.events,
    });
    const managementApi: ManagementApi = {
      verifySignature:
        options.verifySignatures === false
          ? undefined
          : createSigV4Verifier({ region: LOCAL_REGION, secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey }),
      signatures: { verified: 0, refused: 0 },
    };
    handleHttp = async (request, response) => {
      const url = new URL(request.url ?? '/', httpUrl);
      if (await handleManagementRequest(managementApi, gateway, request, response, url.pathname)) return;
      if (await lambdaApi.handle(request, response, url.pathname)) return;
      if (await attachments.handle(request, response)) return;
      if (await routes(request, response, url)) return;
      sendJson(response, 404, { message: 'Not Found' });
    };
    redelivery.start(async (event) => (await host.invoke('redelivery', event)) as SQSBatchResponse);
    push.jobs.start(async (event) => (await host.invoke('push', event)) as SQSBatchResponse);
    sweeper = startLocalSchedule({
      name: 'chat-sweeper',
      periodMs: options.sweepPeriodMs ?? DEFAULT_SWEEP_PERIOD_MS,
      region: LOCAL_REGION,
      invoke: (event) => host.invoke('sweeper', event),
      // As the deployed rule: one invocation per part of the sweep shards, in parallel.
      inputs: SWEEP_TARGET_SHARDS.map((shards): SweepEvent => ({ shards: [...shards] })),
      logger: gatewayLogger,
    });
    // Registered only now: until then Node refuses upgrades itself; once stopping, the gateway answers them 503.
    server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) =>
      gateway.handleUpgrade(request, socket, head),
    );
    ready = true;

    const runningServer = server;
    const runningDynamo = dynamo;
    const runningFunctions = functions;
    const runningRedelivery = redelivery;
    const runningPush = push;
    const runningEventBridge = eventBridge;
    const runningSweeper = sweeper;
    let stopping: Promise<void> | undefined;
    return {
      port,
      wsUrl: `ws://${HOST}:${port}`,
      httpUrl,
      issuer,
      config,
      handlers: runningFunctions.placement,
      managementSignatures: managementApi.signatures,
      redelivery: runningRedelivery,
      push: runningPush,
      attachments,
      lambda: { stats: () => asyncInvoker.stats(), idle: () => asyncInvoker.idle() },
      moderationEvents: {
        endpoint: runningEventBridge.endpoint,
        eventBusName: LOCAL_MODERATION_BUS,
        events: runningEventBridge.events,
      },
      sweeper: runningSweeper,
      stop() {
        stopping ??= (async () => {
          ready = false;
          // First: a sweep running while connections close would race their $disconnects for nothing.
          await runningSweeper.stop();
          // The management API must stay up while $disconnect runs: the handlers tell other connections about it.
          await gateway.close();
          // The event source mapping finishes the batches in hand while the functions still run them.
          await runningRedelivery.stop();
          await asyncInvoker.stop();
          await runningPush.stop();
          await runningFunctions.close();
          await runningEventBridge.stop();
          await closeServer(runningServer);
          await runningDynamo.stop();
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (sweeper) await sweeper.stop().catch(() => undefined);
    if (redelivery) await redelivery.stop().catch(() => undefined);
    if (invoker) await invoker.stop().catch(() => undefined);
    if (push) await push.stop().catch(() => undefined);
    if (functions) await functions.close().catch(() => undefined);
    if (eventBridge) await eventBridge.stop().catch(() => undefined);
    if (server) await closeServer(server).catch(() => undefined);
    if (dynamo) await dynamo.stop().catch(() => undefined);
    throw error;
  }
}

const DEFAULT_MAX_CONCURRENT_INVOCATIONS = 16;

async function startFunctions(
  config: RuntimeConfig,
  options: LocalStackOptions,
  logLevel: string,
): Promise<FunctionHost> {
  const placement = options.handlers ?? (options.overrides ? 'in-process' : 'in-worker');
  if (placement === 'in-worker' && options.overrides)
    throw new Error('overrides need handlers: "in-process" (objects cannot cross to a worker thread)');
  const host =
    placement === 'in-process'
      ? inProcessFunctions(config, { logLevel, ...(options.overrides && { overrides: options.overrides }) })
      : await startFunctionThread(config, { logLevel });
  const limit = options.maxConcurrentInvocations ?? DEFAULT_MAX_CONCURRENT_INVOCATIONS;
  return limit === Infinity ? host : withConcurrencyLimit(host, limit);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolveListen((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    // Keep-alive sockets (the SDK's management client) would otherwise hold close() open.
    server.closeAllConnections();
  });
}
