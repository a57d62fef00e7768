// react: one reaction per user, emoji and message, given (on: true) or taken back (on: false). A request that
// finds the reaction in that state already changes nothing. The change event carries every count of the message
// after it, with the message's reactionsVersion, so a client keeps the counts with the highest version it saw.
import { LIMITS, type MessageChange, type MessageReaction } from '../../protocol/index.js';
import type { ActionHandler } from '../context.js';
import { badRequest } from '../errors.js';
import { toIsoTime } from '../wire-format.js';
import { deletedError, readTarget, recordChange } from './message-changes.js';

const fullError = () =>
  badRequest(`emoji: a message can carry at most ${LIMITS.reactionsPerMessageMax} different reactions`);

export const react: ActionHandler<'react', 'messages' | 'blocks'> = async (runtime, request, input) => {
  const { messages } = runtime.stores;
  const { target } = await readTarget(runtime, request, input.roomId, input.seq);
  if (target.deleted) throw deletedError(input.seq);
  const reactions = target.reactions ?? [];
  const current = reactions.find((reaction) => reaction.emoji === input.emoji);
  if ((current?.reactedByMe ?? false) === input.on) return { ack: { message: target } };
  if (input.on && !current && reactions.length >= LIMITS.reactionsPerMessageMax) throw fullError();

  const seq = await messages.nextSeq(input.roomId);
  const result = await messages.setReaction({
    roomId: input.roomId,
    changeOf: input.seq,
    seq,
    userId: request.userId,
    emoji: input.emoji,
    on: input.on,
    firstReaction: target.reactionsVersion === undefined,
  });
  // unchanged: a request racing this one made the same change first (this seq stays a gap).
  if (result.outcome === 'unchanged') return { ack: { message: target } };
  if (result.outcome === 'full') throw fullError();
  if (result.outcome === 'gone') throw deletedError(input.seq);

  const mine = new Set(reactions.filter((reaction) => reaction.reactedByMe).map((reaction) => reaction.emoji));
  if (input.on) mine.add(input.emoji);
  else mine.delete(input.emoji);
  const change: MessageChange = {
    roomId: input.roomId,
    seq,
    changeOf: input.seq,
    kind: 'reaction',
    userId: request.userId,
    createdAt: toIsoTime(request.now),
    emoji: input.emoji,
    on: input.on,
    reactions: result.reactions,
    reactionsVersion: result.reactionsVersion,
  };
  const { reactions: _before, ...rest } = target;
  const seen: MessageReaction[] = result.reactions.map((count) => ({ ...count, reactedByMe: mine.has(count.emoji) }));
  const message = { ...rest, reactionsVersion: result.reactionsVersion, ...(seen.length > 0 && { reactions: seen }) };
  return recordChange(runtime, request, change, message);
};
