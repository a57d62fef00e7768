// CPU per invocation of each function's own work, without its posts (a notifier that only counts them; the post
// path's CPU is measured alone by bench/fanout/notifier-cpu.ts): the real chat logic and DynamoDB store against
// dynalite in another process, so process.cpuUsage() counts the function's side only (the SDK's requests and
// answers, marshalling, the chat logic). What the sizing model (function-sizing.ts) takes from here:
// - message: a sendMessage to a room of 2 (one page of subscribers, one delivery), and to a room of 1,001 (eleven
//   pages): the difference per extra page is the CPU of reading and dispatching 100 subscribers;
// - connect / disconnect of a user in 5 rooms of 10 (presence announced to 45 connections);
// - authorizer: one RS256 ID token verified (aws-jwt-verify, cached key set);
// - redelivery: a batch of 10 queued frames posted again.
// Usage: npx tsx bench/cost/function-cpu.ts [invocations per figure]
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStores } from '../../lambdas/adapters/dynamo-stores.js';
import { createTokenVerifier } from '../../lambdas/adapters/jwt-verifier.js';
import { createChat, DEFAULT_CHAT_CONFIG, type ChatService } from '../../lambdas/chat/index.js';
import { createDevTokenIssuer } from '../../local/dev-token-issuer.js';
import { embeddedDynamoClientConfig, ensureTable } from '../../local/embedded-dynamo.js';
import { BENCH_CONTENT, CHAT_TABLE_NAME, silentLogger } from '../capacity/capacity-bench.js';
import { connectionIdOf, profileItem, roomItems, subscriberItems, userItems, writeItems } from '../capacity/seed.js';
import { CountingNotifier } from '../lib/counting-notifier.js';
import type { MeasuredCpu } from './function-sizing.js';
import { median } from '../lib/stats.js';
import { startWorker } from '../lib/worker-process.js';

/** What is measured here: everything the sizing model needs but the CPU per post and the bundles' load. */
export type FunctionCpu = Omit<MeasuredCpu, 'cpuPerPostUs' | 'loadCpuMs'>;

const UNTHROTTLED = { rateLimit: { perSecond: 1e6, burst: 1e6 } };

async function cpuMsOf(times: number, body: (index: number) => Promise<unknown>): Promise<number> {
  for (let warm = 0; warm < 5; warm += 1) await body(-1 - warm);
  const samples: number[] = [];
  for (let index = 0; index < times; index += 1) {
    const before = process.cpuUsage();
    await body(index);
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000);
  }
  return median(samples);
}

export async function measureFunctionCpu(times: number): Promise<FunctionCpu> {
  const services = await startWorker(new URL('../workers/services-worker.ts', import.meta.url));
  const base = new DynamoDBClient(embeddedDynamoClientConfig(services.info.dynamoEndpoint as string));
  const documents = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  try {
    await ensureTable(base, CHAT_TABLE_NAME);
    const now = Date.now();
    const sender = 'sizing-sender';
    const partner = 'sizing-partner';
    const mover = 'sizing-mover';
    const others = Array.from({ length: 45 }, (_, i) => `sizing-member-${i}`);
    const items = [
      // The mover has a profile but no open connection: each connect turns it online, each disconnect offline.
      profileItem(mover),
      ...userItems([sender, partner, ...others], now),
      ...roomItems('sizing-2', [sender, partner], now),
      ...roomItems('sizing-1001', [sender], now),
      ...subscriberItems('sizing-1001', 1000, now),
    ];
    for (let room = 0; room < 5; room += 1) {
      items.push(...roomItems(`sizing-presence-${room}`, [mover, ...others.slice(room * 9, room * 9 + 9)], now));
    }
    await writeItems(documents, CHAT_TABLE_NAME, items);

    const notifier = new CountingNotifier();
    const chat: ChatService = createChat({
      stores: createDynamoStores({ client: documents, tableName: CHAT_TABLE_NAME }),
      notifier,
      clock: { now: () => Date.now() },
      logger: silentLogger,
      metrics: { count() {} },
      config: { ...DEFAULT_CHAT_CONFIG, ...UNTHROTTLED },
    });
    const send = (roomId: string, index: number) =>
      chat.onFrame({
        connectionId: connectionIdOf(sender),
        userId: sender,
        connectedAt: now,
        body: JSON.stringify({
          action: 'sendMessage',
          requestId: 'r',
          roomId,
          clientMessageId: `${roomId}-${index}-${Date.now()}`,
          content: BENCH_CONTENT,
        }),
      });
    const messageBaseMs = await cpuMsOf(times, (i) => send('sizing-2', i));
    const largeMs = await cpuMsOf(Math.max(5, Math.round(times / 5)), (i) => send('sizing-1001', i));

    let connectPosts = 0;
    let disconnectPosts = 0;
    const connectSamples: number[] = [];
    const disconnectSamples: number[] = [];
    for (let index = -3; index < times; index += 1) {
      const connectionId = `sizing-mover-conn-${index + 3}`;
      notifier.reset();
      let before = process.cpuUsage();
      await chat.onConnect({ connectionId, userId: mover, tokenDisplayName: 'Mover', connectedAt: Date.now() });
      let used = process.cpuUsage(before);
      if (index >= 0) connectSamples.push((used.user + used.system) / 1000);
      connectPosts = notifier.posts;
      notifier.reset();
      before = process.cpuUsage();
      await chat.onDisconnect({ connectionId, userId: mover });
      used = process.cpuUsage(before);
      if (index >= 0) disconnectSamples.push((used.user + used.system) / 1000);
      disconnectPosts = notifier.posts;
    }

    const issuer = await createDevTokenIssuer({ issuer: 'https://sizing.local/issuer', audience: 'sizing' });
    const verifier = createTokenVerifier({
      mode: 'local',
      issuer: 'https://sizing.local/issuer',
      audience: 'sizing',
      jwks: issuer.jwks,
    });
    const tokens = Array.from({ length: times + 5 }, (_, i) => issuer.mint({ sub: `u${i}`, name: 'U' }).token);
    const authorizerMs = await cpuMsOf(times, (i) => verifier.verify(tokens[i + 5]!));

    const batch = (index: number) =>
      Array.from({ length: 10 }, (_, n) => ({
        id: `q-${index}-${n}`,
        connectionId: connectionIdOf(partner),
        userId: partner,
        payload: JSON.stringify({ type: 'message', content: BENCH_CONTENT, n }),
        lastTry: false,
      }));
    const redeliveryBatchMs = await cpuMsOf(times, (i) => chat.redeliver(batch(i)));

    return {
      messageBaseMs,
      pageMs: (largeMs - messageBaseMs) / 10,
      connectMs: median(connectSamples),
      connectPosts,
      disconnectMs: median(disconnectSamples),
      disconnectPosts,
      authorizerMs,
      redeliveryBatchMs,
    };
  } finally {
    documents.destroy();
    base.destroy();
    await services.stop();
  }
}

if (process.argv[1]?.endsWith('function-cpu.ts')) {
  const result = await measureFunctionCpu(Number(process.argv[2] ?? 30));
  console.log(JSON.stringify(result, null, 2));
}
