// getHistory: newest messages, catch-up after a seq, or scrolling back before one.
import { LIMITS } from '../../protocol/index.js';
import type { ActionHandler } from '../context.js';
import { badRequest } from '../errors.js';
import type { HistoryQuery } from '../ports.js';
import { requireMembership } from '../room-access.js';

export const getHistory: ActionHandler<'getHistory', 'rooms' | 'messages'> = async (runtime, request, input) => {
  if (input.before !== undefined && input.after !== undefined) {
    throw badRequest('before: cannot be combined with after (give one direction)');
  }
  await requireMembership(runtime.stores.rooms, input.roomId, request.userId);
  const query: HistoryQuery = { limit: input.limit ?? LIMITS.historyDefaultLimit };
  if (input.before !== undefined) query.before = input.before;
  if (input.after !== undefined) query.after = input.after;
  const { messages, hasMore } = await runtime.stores.messages.getMessages(input.roomId, query);
  return { ack: { messages, hasMore } };
};
