// A stopgap, kept in one place so that removing it is deleting this file, its one call in chat-client.ts and its test
// in test/client/reconnect-policy.test.ts.
import type { Transport } from './transport.js';
import type { Ack } from './types.js';

/**
 * A broadcast that reaches a connection while the gateway is still running its $connect gets 410 (the gateway
 * cannot post before $connect returns) and may remove the new connection's subscriptions. `hello` restores them,
 * but a removal that lands after the first hello leaves the connection deaf; a second hello a moment later restores
 * them again, and the catch-up that follows fetches whatever was missed in between. Not needed once the server
 * no longer lets a $connect-time 410 remove a connection that then opens.
 */
export const SECOND_HELLO_AFTER_OPEN_MS = 2_000;

/** Says hello again on a connection that just opened; `caughtUp` refreshes the rooms and catches them up. */
export function sayHelloAgainSoon(
  transport: Transport,
  timeoutMs: number,
  caughtUp: (hello: Ack<'hello'>) => Promise<void>,
): void {
  transport.schedule(() => {
    // A connection that closed meanwhile is fine: the next one says hello and catches up anyway.
    transport.request('hello', {}, timeoutMs).then(caughtUp).catch(() => undefined);
  }, SECOND_HELLO_AFTER_OPEN_MS);
}
