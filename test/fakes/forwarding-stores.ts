// Stores that forward every call to real ones, with a hook in front of each call: a test can delay a call (to open
// a race window on purpose) or fail it (an injected fault). The real stores are looked up at each call, so they can
// be attached after the forwarding stores were handed to a stack (its table exists only once it runs).
import type { ChatStores, StoreMethod } from '../../lambdas/chat/ports.js';

/** Runs before a store call; may wait, and may return an error to throw instead of making the call. */
export type StoreHook = (method: StoreMethod, args: unknown[]) => Promise<Error | undefined> | Error | undefined;

const STORE_NAMES = [
  'profiles',
  'connections',
  'presence',
  'rooms',
  'subscriptions',
  'messages',
  'typing',
  'devices',
  'blocks',
  'reports',
  'occupancy',
] as const satisfies readonly (keyof ChatStores)[];

export function forwardingStores(real: () => ChatStores | undefined, hook: StoreHook = () => undefined): ChatStores {
  const forward = (name: keyof ChatStores) =>
    new Proxy(
      {},
      {
        get(_target, method) {
          // Not a thenable, and no symbol lookups: only the port's methods.
          if (typeof method !== 'string' || method === 'then') return undefined;
          return async (...args: unknown[]) => {
            const fault = await hook(method as StoreMethod, args);
            if (fault) throw fault;
            const stores = real();
            if (!stores) throw new Error('the forwarding stores are not attached to real ones yet');
            const store = stores[name] as unknown as Record<string, (...a: unknown[]) => unknown>;
            return store[method]!.apply(store, args);
          };
        },
      },
    );
  return Object.fromEntries(STORE_NAMES.map((name) => [name, forward(name)])) as unknown as ChatStores;
}
