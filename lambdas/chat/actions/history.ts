// getHistory: newest messages, catch-up after a seq (messages and changes), or scrolling back before one. Messages
// and changes from users the reader blocked are left out of the page, which may then come back shorter (even
// empty); their seqs are listed in hiddenSeqs, so a reader can page on past them and stop waiting for them as gaps.
import { LIMITS, type Message, type MessageChange } from '../../protocol/index.js';
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
  const query: HistoryQuery = { limit: input.limit ?? LIMITS.historyDefaultLimit, viewerId: request.userId };
  if (input.before !== undefined) query.before = input.before;
  if (input.after !== undefined) query.after = input.after;
  const window = await runtime.stores.messages.getMessages(input.roomId, query);
  const blocked = new Set(blockedIds);
  const messages = withoutBlocked(window.messages, blocked, (message) => message.senderId);
  const changes = withoutBlocked(window.changes, blocked, (change) => change.userId);
  const hidden = [
    ...window.messages.filter((message) => blocked.has(message.senderId)).map((message) => message.seq),
    ...window.changes.filter((change) => blocked.has(change.userId)).map((change) => change.seq),
  ].sort((a, b) => a - b);
  const { hasMore } = window;

  // Messages of 4,000 characters take up to ~50 KB each on the wire: a page stops early, at its far end from the
  // reader's starting point, and says hasMore, so reading on with after / before resumes exactly after it. The
  // budget counts messages and changes together, in seq order. Hidden seqs beyond where it stopped are not listed:
  // the reader would page on past items it was not given.
  const oldestFirst = input.after !== undefined;
  const items: (Message | MessageChange)[] = [...messages, ...changes].sort((a, b) => a.seq - b.seq);
  const fitting = countWithinBudget(oldestFirst ? items : [...items].reverse(), LIMITS.answerListMaxBytes);
  if (fitting === items.length) {
    return {
      ack: hidden.length > 0 ? { messages, changes, hasMore, hiddenSeqs: hidden } : { messages, changes, hasMore },
    };
  }
  const page = oldestFirst ? items.slice(0, fitting) : items.slice(items.length - fitting);
  const kept = new Set(page);
  const stop = oldestFirst ? page[page.length - 1]!.seq : page[0]!.seq;
  const hiddenSeqs = hidden.filter((seq) => (oldestFirst ? seq < stop : seq > stop));
  const ack = {
    messages: messages.filter((message) => kept.has(message)),
    changes: changes.filter((change) => kept.has(change)),
    hasMore: true,
  };
  return { ack: hiddenSeqs.length > 0 ? { ...ack, hiddenSeqs } : ack };
};
