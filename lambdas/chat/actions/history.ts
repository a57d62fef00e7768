// getHistory: newest messages, catch-up after a seq, or scrolling back before one.
import { LIMITS } from '../../protocol/index.js';
import type { ActionHandler } from '../context.js';
import { badRequest } from '../errors.js';
import { countWithinBudget } from '../frame-budget.js';
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
  // Messages of 4,000 characters take up to ~50 KB each on the wire: a page stops early, at its far end from the
  // reader's starting point, and says hasMore, so reading on with after / before resumes exactly after it.
  const oldestFirst = input.after !== undefined;
  const fitting = countWithinBudget(oldestFirst ? messages : [...messages].reverse(), LIMITS.answerListMaxBytes);
  if (fitting === messages.length) return { ack: { messages, hasMore } };
  const page = oldestFirst ? messages.slice(0, fitting) : messages.slice(messages.length - fitting);
  return { ack: { messages: page, hasMore: true } };
};
