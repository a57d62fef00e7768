// The in-memory fake the chat logic's unit tests use holds to the same contract as the DynamoDB store.
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../fakes/memory-store.js';
import { describeChatStoreContract } from '../contract/chat-store-contract.js';

describeChatStoreContract('in memory', async () => ({ store: createMemoryStore(), cleanup: async () => {} }));

describe('memory store test hooks', () => {
  it('failNext makes exactly the next call of that method fail, writing nothing', async () => {
    const store = createMemoryStore();
    store.failNext('putConnection', new Error('disk on fire'));
    const connection = { connectionId: 'c1', userId: 'u1', connectedAt: 1, expiresAt: 10 };
    await expect(store.putConnection(connection)).rejects.toThrow('disk on fire');
    expect(store.dump().connections).toEqual([]);
    await store.putConnection(connection);
    expect(store.dump().connections).toEqual([connection]);
  });

  it('keeps copies of what it was given', async () => {
    const store = createMemoryStore();
    const subscription = { roomId: 'r', connectionId: 'c', userId: 'u', expiresAt: 10, muted: false };
    await store.putSubscriptions([subscription]);
    subscription.muted = true;
    expect((await store.listSubscriptions('r', 0, { limit: 5 })).items[0]?.muted).toBe(false);
  });
});
