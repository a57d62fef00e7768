// Helpers for the store's one-page-per-call reads and for bounded parallel work.
import type { Page } from './ports.js';

/** Calls `handle` with every page in order, following cursors until the last page. */
export async function forEachPage<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  handle: (items: T[]) => Promise<void> | void,
): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    await handle(page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
}

/** Every item of every page. Only for reads known to be small (a user's rooms, a room's subscribers for presence). */
export async function collectPages<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  await forEachPage(fetchPage, (items) => {
    all.push(...items);
  });
  return all;
}

/**
 * Runs `work` over `items` with at most `limit` in flight; like Promise.allSettled, one failure never stops the
 * others. Results keep the items' order.
 */
export async function settleWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await work(items[index]!) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** settleWithConcurrency for work that must all succeed: rejects with the first failure once all have settled. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const settled = await settleWithConcurrency(items, limit, work);
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<R>).value);
}

export function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
