// getHistory: newest messages, catch-up after a seq, or scrolling back before one. Messages from users the reader
// blocked are left out of the page, which may then come back shorter (see skippedTo).
import { LIMITS } from '../../protocol/index.js';
import { withoutBlocked } from '../blocking.js';
import type { ActionHandler } from '../context.js';
import { badRequest } from '../errors.js';
import { countWithinBudget } from '../frame-budget.js';
import type { HistoryQuery } from '../ports.js';
import { requireMembership } from '../room-access.js';

export const getHistory: ActionHandler<'getHistory', 'rooms' | 'messages' | 'blocks'> = async (
  runtime,
  request,
  input,
) => {
  if (input.before !== undefined && input.after !== undefined) {
    throw badRequest('before: cannot be combined with after (give one direction)');
  }
  const [, blockedIds] = await Promise.all([
    requireMembership(runtime.stores.rooms, input.roomId, request.userId),
    runtime.stores.blocks.blockedIdsOf(request.userId),
  ]);
  const query: HistoryQuery = { limit: input.limit ?? LIMITS.historyDefaultLimit };
  if (input.before !== undefined) query.before = input.before;
  if (input.after !== undefined) query.after = input.after;
  const { messages: window, hasMore } = await runtime.stores.messages.getMessages(input.roomId, query);
  const hidden = new Set(blockedIds);
  const messages = withoutBlocked(window, hidden, (message) => message.senderId);
  // The far end of the window, away from where the reader started: when hidden messages lie there, reading on from
  // the last message given would read them again (or, from an empty page, could not go on): skippedTo says where
  // the window really ended.
  const oldestFirst = input.after !== undefined;
  const farEnd = oldestFirst ? window[window.length - 1] : window[0];
  const lastGiven = oldestFirst ? messages[messages.length - 1] : messages[0];
  const skipped = farEnd !== undefined && farEnd !== lastGiven ? { skippedTo: farEnd.seq } : {};

  // Messages of 4,000 characters take up to ~50 KB each on the wire: a page stops early, at its far end from the
  // reader's starting point, and says hasMore, so reading on with after / before resumes exactly after it.
  const fitting = countWithinBudget(oldestFirst ? messages : [...messages].reverse(), LIMITS.answerListMaxBytes);
  if (fitting === messages.length) return { ack: { messages, hasMore, ...skipped } };
  const page = oldestFirst ? messages.slice(0, fitting) : messages.slice(messages.length - fitting);
  return { ack: { messages: page, hasMore: true } };
};
