// The fan-out worker's event: the batch the message function dispatched, checked before it is trusted. Apart from
// the dispatcher, so that the worker's bundle does not carry the Lambda client it never uses.
import type { FanOutBatch } from '../chat/ports.js';

/** A worker's event as a batch; undefined when it is not one this backend dispatched. */
export function fanOutBatchOf(event: unknown): FanOutBatch | undefined {
  const batch = event as Partial<FanOutBatch> | null;
  const isRecipient = (r: unknown) =>
    typeof (r as { connectionId?: unknown })?.connectionId === 'string' &&
    typeof (r as { userId?: unknown })?.userId === 'string';
  if (
    typeof batch !== 'object' ||
    batch === null ||
    typeof batch.roomId !== 'string' ||
    !Array.isArray(batch.payloads) ||
    !batch.payloads.every((payload) => typeof payload === 'string') ||
    !Array.isArray(batch.recipients) ||
    !batch.recipients.every(isRecipient) ||
    typeof batch.exclude !== 'object' ||
    batch.exclude === null ||
    typeof batch.roomSize !== 'number' ||
    typeof batch.startedAt !== 'number'
  ) {
    return undefined;
  }
  const { connectionId, userIds } = batch.exclude;
  if (connectionId !== undefined && typeof connectionId !== 'string') return undefined;
  if (userIds !== undefined && !(Array.isArray(userIds) && userIds.every((id) => typeof id === 'string')))
    return undefined;
  return batch as FanOutBatch;
}
