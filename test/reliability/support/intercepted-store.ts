// A ChatStore that forwards every call to the real DynamoDB store of a running local stack, with a hook in front
// of each call: a test can delay a call (to open a race window on purpose) or fail it (an injected fault). The
// stack is given this store through its `overrides` before it starts; the real store is attached once the stack's
// table exists.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore } from '../../../lambdas/adapters/dynamo-store.js';
import type { ChatStore } from '../../../lambdas/chat/ports.js';
import { embeddedDynamoClientConfig } from '../../../local/embedded-dynamo.js';
import type { LocalStack } from '../../../local/stack.js';

/** Runs before a store call; may wait, and may return an error to throw instead of making the call. */
export type StoreHook = (method: keyof ChatStore, args: unknown[]) => Promise<Error | undefined> | Error | undefined;

export interface InterceptedStore {
  store: ChatStore;
  hook: StoreHook | undefined;
  /** Points the store at the stack's table (call right after the stack started). */
  attach(stack: LocalStack): void;
  detach(): void;
}

export function createInterceptedStore(): InterceptedStore {
  let real: ChatStore | undefined;
  let dynamo: DynamoDBClient | undefined;
  const intercepted: InterceptedStore = {
    hook: undefined,
    store: new Proxy({} as ChatStore, {
      get(_target, method) {
        if (typeof method !== 'string' || method === 'then') return undefined;
        return async (...args: unknown[]) => {
          const fault = await intercepted.hook?.(method as keyof ChatStore, args);
          if (fault) throw fault;
          if (!real) throw new Error('the intercepted store is not attached to a stack yet');
          const target = real as unknown as Record<string, (...a: unknown[]) => unknown>;
          return target[method]!.apply(real, args);
        };
      },
    }),
    attach(stack) {
      dynamo = new DynamoDBClient(embeddedDynamoClientConfig(stack.config.dynamoEndpoint!));
      const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
      real = createDynamoStore({ client: documents, tableName: stack.config.tableName! });
    },
    detach() {
      dynamo?.destroy();
    },
  };
  return intercepted;
}
