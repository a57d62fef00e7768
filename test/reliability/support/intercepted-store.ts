// Stores that forward every call to the real DynamoDB stores of a running local stack, with a hook in front of
// each call (see test/fakes/forwarding-stores.ts). The stack is given these stores through its `overrides` before
// it starts; the real stores are attached once the stack's table exists.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStores } from '../../../lambdas/adapters/dynamo-stores.js';
import type { ChatStores } from '../../../lambdas/chat/ports.js';
import { embeddedDynamoClientConfig } from '../../../local/embedded-dynamo.js';
import type { LocalStack } from '../../../local/stack.js';
import { forwardingStores, type StoreHook } from '../../fakes/forwarding-stores.js';

export type { StoreHook };

export interface InterceptedStore {
  stores: ChatStores;
  hook: StoreHook | undefined;
  /** Points the stores at the stack's table (call right after the stack started). */
  attach(stack: LocalStack): void;
  detach(): void;
}

export function createInterceptedStore(): InterceptedStore {
  let real: ChatStores | undefined;
  let dynamo: DynamoDBClient | undefined;
  const intercepted: InterceptedStore = {
    hook: undefined,
    stores: forwardingStores(
      () => real,
      (method, args) => intercepted.hook?.(method, args),
    ),
    attach(stack) {
      dynamo = new DynamoDBClient(embeddedDynamoClientConfig(stack.config.dynamoEndpoint!));
      const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
      real = createDynamoStores({ client: documents, tableName: stack.config.tableName! });
    },
    detach() {
      dynamo?.destroy();
    },
  };
  return intercepted;
}
