// The local stack in a process of its own, for `npm run soak`: it reports its endpoints and every $connect /
// $disconnect to the parent over IPC, mints tokens on request, and stops when told.
import { startLocalStack } from '../../local/stack.js';

async function main(): Promise<void> {
  const send = (message: unknown) => process.send?.(message);
  const stack = await startLocalStack({
    port: 0,
    dataDir: null,
    logLevel: 'WARN',
    onIntegrationEvent: (event) => {
      const { eventType, connectionId, authorizer } = event.requestContext;
      if (eventType === 'CONNECT' || eventType === 'DISCONNECT') {
        send({ type: 'event', eventType, connectionId, userId: String(authorizer?.userId ?? authorizer?.principalId) });
      }
    },
  });
  process.on('message', (message: { type: string; id?: number; userId?: string }) => {
    if (message.type === 'mint') {
      const { token } = stack.issuer.mint({ sub: message.userId!, name: `name of ${message.userId}`, ttlS: 3_600 });
      send({ type: 'minted', id: message.id, token });
    }
    if (message.type === 'stop') void stack.stop().then(() => process.exit(0));
  });
  send({ type: 'ready', wsUrl: stack.wsUrl, httpUrl: stack.httpUrl, dynamoEndpoint: stack.config.dynamoEndpoint, tableName: stack.config.tableName });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
