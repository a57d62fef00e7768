// The per-invocation retry budget of management API posts. One notifier (one socket pool) serves every invocation
// of an execution environment, and on the local stack many invocations at once, so the deadline travels with the
// invocation's async context instead of living on the notifier.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from 'aws-lambda';

export interface RetryBudgetSettings {
  /** The longest an invocation spends retrying posts, from its start. */
  budgetMs: number;
  /**
   * Kept free before the function's timeout: a post started just before the deadline may take a full request timeout,
   * and the frames that still failed must then be queued.
   */
  reserveMs: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudgetSettings = { budgetMs: 10_000, reserveMs: 8_000 };

const deadlines = new AsyncLocalStorage<number>();

/** Runs one invocation with its retry deadline: the budget from now, cut short by the function's own timeout. */
export function withRetryBudget<T>(
  now: number,
  context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  settings: RetryBudgetSettings,
  body: () => Promise<T>,
): Promise<T> {
  let deadline = now + settings.budgetMs;
  const remaining = context?.getRemainingTimeInMillis?.();
  if (remaining !== undefined) deadline = Math.min(deadline, now + remaining - settings.reserveMs);
  return deadlines.run(deadline, body);
}

/** The running invocation's retry deadline (epoch ms); undefined outside one. */
export function currentRetryDeadline(): number | undefined {
  return deadlines.getStore();
}
