// The local stack in a process of its own, for `npm run soak`: it reports its endpoints and every $connect /
// $disconnect to the parent over IPC, mints tokens on request, and stops when told. With a fault share (its first
// argument, 0 to 1), the handlers post through a fault proxy in front of @connections (MANAGEMENT_ENDPOINT).
import { startLocalStack } from '../../local/stack.js';
import { randomFaults, startFaultProxy } from '../reliability/support/fault-proxy.js';

async function main(): Promise<void> {
  const send = (message: unknown) => process.send?.(message);
  const faultShare = Number(process.argv[2] ?? 0);
  const proxy = faultShare > 0 ? await startFaultProxy({ keepCalls: false }) : undefined;
  const stack = await startLocalStack({
    port: 0,
    dataDir: null,
    // Injected faults are logged by design: one line each would drown the run's own output.
    logLevel: proxy ? 'ERROR' : 'WARN',
    ...(proxy && { managementEndpoint: proxy.url }),
    onIntegrationEvent: (event) => {
      const { eventType, connectionId, authorizer } = event.requestContext;
      if (eventType === 'CONNECT' || eventType === 'DISCONNECT') {
        send({ type: 'event', eventType, connectionId, userId: String(authorizer?.userId ?? authorizer?.principalId) });
      }
    },
  });
  if (proxy) {
    proxy.target = stack.httpUrl;
    proxy.decide = randomFaults(faultShare);
  }
  process.on('message', (message: { type: string; id?: number; userId?: string }) => {
    if (message.type === 'mint') {
      const { token } = stack.issuer.mint({ sub: message.userId!, name: `name of ${message.userId}`, ttlS: 3_600 });
      send({ type: 'minted', id: message.id, token });
    }
    if (message.type === 'stop')
      void stack
        .stop()
        .then(() => proxy?.close())
        .then(() => process.exit(0));
  });
  send({
    type: 'ready',
    wsUrl: stack.wsUrl,
    httpUrl: stack.httpUrl,
    dynamoEndpoint: stack.config.dynamoEndpoint,
    tableName: stack.config.tableName,
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
