// The local stack (gateway emulator, handlers, dynalite, management API) in a process of its own, as it runs under
// `npm start`; the benchmark's WebSocket clients live in the parent. The worker learns each connection's id from
// the $connect events and, on request, puts users in rooms straight through the table (no presence storm of a
// thousand connects into a room of a thousand), subscribing every connection of each member.
// BENCH_HANDLERS=in-process runs the handlers on the gateway's event loop instead of their own thread;
// BENCH_MAX_CONCURRENT sets maxConcurrentInvocations ('Infinity': no limit).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { memberItem, roomItem, subscriptionItem } from '../../lambdas/adapters/dynamo/codec.js';
import { LOCAL_TABLE_NAME, startLocalStack } from '../../local/stack.js';
import type { Notifier } from '../../lambdas/chat/ports.js';
import { writeItems } from '../capacity/seed.js';
import { notifierFor } from '../fanout/poster-variants.js';
import { serveRequests } from '../lib/worker-process.js';

/** Every open connection of each user (a user may have several devices), in the order they connected. */
const connectionsByUser = new Map<string, Array<{ connectionId: string; connectedAt: number }>>();

// BENCH_POSTER=sdk-client: the handlers post through the AWS SDK's management client instead of the lean path
// (section 1's second variant, to show what the SDK's per-call work costs the stack). The stack's URL is known only
// once it listens, so the poster is made on first use.
let sdkClient: Notifier | undefined;
const sdkClientNotifier: Notifier = {
  post: (connectionId, payload) => sdkClient!.post(connectionId, payload),
  describeConnection: (connectionId) => sdkClient!.describeConnection(connectionId),
  close: (connectionId) => sdkClient!.close(connectionId),
};

const stackStarted = startLocalStack({
  port: 0,
  dataDir: null,
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'ERROR',
  // The receivers never send; the run must not be cut short by the 10-minute idle timeout.
  idleTimeoutS: 3600,
  ...(process.env.BENCH_POSTER === 'sdk-client' && { overrides: { notifier: sdkClientNotifier } }),
  ...(process.env.BENCH_HANDLERS === 'in-process' && { handlers: 'in-process' as const }),
  ...(process.env.BENCH_MAX_CONCURRENT && { maxConcurrentInvocations: Number(process.env.BENCH_MAX_CONCURRENT) }),
  onIntegrationEvent(event) {
    const { eventType, authorizer, connectionId, connectedAt } = event.requestContext;
    if (eventType !== 'CONNECT') return;
    const userId = String(authorizer.userId);
    connectionsByUser.set(userId, [...(connectionsByUser.get(userId) ?? []), { connectionId, connectedAt }]);
  },
});

async function start() {
  const stack = await stackStarted;
  const config = stack.config;
  sdkClient = notifierFor(stack.httpUrl, 'sdk-tuned', config.credentials!, config.region);
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: config.region, endpoint: config.dynamoEndpoint!, credentials: config.credentials! }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  return { stack, client };
}
const started = start();

serveRequests({
  async ready() {
    const { stack } = await started;
    return { wsUrl: stack.wsUrl, httpUrl: stack.httpUrl, pid: process.pid };
  },
  async mint(request) {
    const { stack } = await started;
    const tokens = (request.userIds as string[]).map((sub) => stack.issuer.mint({ sub, name: sub, ttlS: 7200 }).token);
    return { tokens };
  },
  connectedCount() {
    return { count: connectionsByUser.size };
  },
  async setupRoom(request) {
    const { client } = await started;
    const roomId = request.roomId as string;
    const memberIds = request.memberIds as string[];
    const now = Date.now();
    const items: Record<string, unknown>[] = [
      roomItem({ roomId, name: roomId, kind: 'group', createdBy: memberIds[0]!, createdAt: now, lastSeq: 0 }),
    ];
    for (const userId of memberIds) {
      const connections = connectionsByUser.get(userId);
      if (!connections) throw new Error(`setupRoom: ${userId} has no open connection`);
      items.push(memberItem(roomId, { roomId, userId, joinedAt: now, lastReadSeq: 0 }));
      for (const connection of connections) {
        items.push(
          subscriptionItem({
            roomId,
            connectionId: connection.connectionId,
            userId,
            expiresAt: connection.connectedAt + 7_200_000,
            muted: false,
          }),
        );
      }
    }
    await writeItems(client, LOCAL_TABLE_NAME, items);
    return { members: memberIds.length };
  },
  cpuUsage() {
    const usage = process.cpuUsage();
    return { micros: usage.user + usage.system };
  },
});
