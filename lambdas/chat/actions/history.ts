// getHistory: newest messages, catch-up after a seq (messages and changes), or scrolling back before one.
import { LIMITS, type Message, type MessageChange } from '../../protocol/index.js';
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
  const query: HistoryQuery = { limit: input.limit ?? LIMITS.historyDefaultLimit, viewerId: request.userId };
  if (input.before !== undefined) query.before = input.before;
  if (input.after !== undefined) query.after = input.after;
  const { messages, changes, hasMore } = await runtime.stores.messages.getMessages(input.roomId, query);
  // Messages of 4,000 characters take up to ~50 KB each on the wire: a page stops early, at its far end from the
  // reader's starting point, and says hasMore, so reading on with after / before resumes exactly after it. The
  // budget counts messages and changes together, in seq order.
  const oldestFirst = input.after !== undefined;
  const items: (Message | MessageChange)[] = [...messages, ...changes].sort((a, b) => a.seq - b.seq);
  const fitting = countWithinBudget(oldestFirst ? items : [...items].reverse(), LIMITS.answerListMaxBytes);
  if (fitting === items.length) return { ack: { messages, changes, hasMore } };
  const page = oldestFirst ? items.slice(0, fitting) : items.slice(items.length - fitting);
  const kept = new Set(page);
  return {
    ack: {
      messages: messages.filter((message) => kept.has(message)),
      changes: changes.filter((change) => kept.has(change)),
      hasMore: true,
    },
  };
};
