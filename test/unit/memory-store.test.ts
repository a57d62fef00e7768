// The in-memory fakes the chat logic's unit tests use hold to the same contracts as the DynamoDB stores.
import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../fakes/memory-stores.js';
import { describeStoreContracts } from '../contract/store-contracts.js';

describeStoreContracts('in memory', async () => ({ stores: createMemoryStores(), cleanup: async () => {} }));

describe('memory stores test hooks', () => {
  it('failNext makes exactly the next call of that method fail, writing nothing', async () => {
    const stores = createMemoryStores();
    stores.failNext('putConnection', new Error('disk on fire'));
    const connection = { connectionId: 'c1', userId: 'u1', connectedAt: 1, expiresAt: 10 };
    await expect(stores.connections.putConnection(connection)).rejects.toThrow('disk on fire');
    expect(stores.dump().connections).toEqual([]);
    await stores.connections.putConnection(connection);
    expect(stores.dump().connections).toEqual([connection]);
  });

  it('keeps copies of what it was given', async () => {
    const stores = createMemoryStores();
    const subscription = { roomId: 'r', connectionId: 'c', userId: 'u', expiresAt: 10, muted: false };
    await stores.subscriptions.putSubscriptions([subscription]);
    subscription.muted = true;
    expect((await stores.subscriptions.listSubscriptions('r', 0, { limit: 5 })).items[0]?.muted).toBe(false);
  });
});
