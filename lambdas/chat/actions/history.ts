// getHistory: newest messages, catch-up after a seq, or scrolling back before one. Messages from users the reader
// blocked are left out of the page, which may then come back shorter (even empty); their seqs are listed in
// hiddenSeqs, so a reader can page on past them and stop waiting for them as gaps.
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
  const blocked = new Set(blockedIds);
  const messages = withoutBlocked(window, blocked, (message) => message.senderId);
  const hidden = window.filter((message) => blocked.has(message.senderId)).map((message) => message.seq);

  // Messages of 4,000 characters take up to ~50 KB each on the wire: a page stops early, at its far end from the
  // reader's starting point, and says hasMore, so reading on with after / before resumes exactly after it. Hidden
  // seqs beyond where it stopped are not listed: the reader would page on past messages it was not given.
  const oldestFirst = input.after !== undefined;
  const fitting = countWithinBudget(oldestFirst ? messages : [...messages].reverse(), LIMITS.answerListMaxBytes);
  if (fitting === messages.length) {
    return { ack: hidden.length > 0 ? { messages, hasMore, hiddenSeqs: hidden } : { messages, hasMore } };
  }
  const page = oldestFirst ? messages.slice(0, fitting) : messages.slice(messages.length - fitting);
  const stop = oldestFirst ? page[page.length - 1]!.seq : page[0]!.seq;
  const hiddenSeqs = hidden.filter((seq) => (oldestFirst ? seq < stop : seq > stop));
  return {
    ack: hiddenSeqs.length > 0 ? { messages: page, hasMore: true, hiddenSeqs } : { messages: page, hasMore: true },
  };
};
