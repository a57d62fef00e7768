// Failures the client caused. An action throws a ChatError and the router turns it into an error frame with this
// code and message; anything else thrown is an internal failure and the client learns nothing about it.
import type { ErrorCode } from '../protocol/index.js';

export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ChatError';
  }
}

/**
 * One answer for "no such room" and "not a member": telling them apart would let anyone probe which rooms exist.
 */
export const NOT_A_MEMBER_MESSAGE = 'not a member of this room';

export const forbidden = (): ChatError => new ChatError('FORBIDDEN', NOT_A_MEMBER_MESSAGE);
export const badRequest = (message: string): ChatError => new ChatError('BAD_REQUEST', message);
export const notFound = (message: string): ChatError => new ChatError('NOT_FOUND', message);
export const blockedBy = (field: string, userId: string): ChatError =>
  new ChatError('BLOCKED', `${field}: ${JSON.stringify(userId)} has blocked you`);

/** What a log line may say about an error: its name, message and stack, never the request that caused it. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message, stack: error.stack };
  return { errorName: typeof error, errorMessage: String(error) };
}

/**
 * A post kept failing in a way that may pass (a timeout, a reset socket, a 5xx, throttling) until its retry budget
 * ran out. The frame was not refused, only not delivered yet: the fan-out hands it to the redelivery queue.
 */
export class PostRetriesExhaustedError extends Error {
  constructor(
    readonly attempts: number,
    /** Why the last attempt failed: 'throttled', 'server-error', 'timeout', 'connection-lost', or 'budget' when no attempt was left time. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`post not delivered after ${attempts} attempt(s): ${reason}`, options);
    this.name = 'PostRetriesExhaustedError';
  }
}

/**
 * A fan-out worker's batch left frames that could neither be delivered nor queued for redelivery. The worker fails
 * with it, so that Lambda invokes it again with the same batch: recipients served the first time then get the frame
 * twice, which the protocol allows (clients drop repeats by seq), where losing it is what it tries to avoid.
 */
export class FanOutBatchIncompleteError extends Error {
  constructor(readonly unsettled: number) {
    super(`${unsettled} frame(s) of the batch were neither delivered nor queued`);
    this.name = 'FanOutBatchIncompleteError';
  }
}
