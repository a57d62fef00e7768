// sendMessage: store first, then tell. Idempotent per (room, sender, clientMessageId): a retry, even one racing the
// first attempt, gets the one stored message, and only the call that wrote it to the history broadcasts it.
import { randomUUID } from 'node:crypto';
import { LIMITS, type Message, type MessageEvent } from '../../protocol/index.js';
import { blockersForBroadcast, excludingBlockers } from '../blocking.js';
import type { ActionHandler, ActionOutcome, RequestContext, RuntimeWith } from '../context.js';
import { ChatError, forbidden, notFound } from '../errors.js';
import { loadProfile } from '../room-access.js';
import type { TypingRecord } from '../ports.js';
import { toIsoTime, typingStoppedEvent } from '../wire-format.js';
import { typingExclusion } from './typing.js';
import { acceptAttachment } from './uploads.js';

/**
 * What a newly stored message owes, after the ack: the broadcast (and the end of the sender's typing, if the send
 * ended it), and a push job for members who are away.
 */
async function announceMessage(
  runtime: RuntimeWith<'blocks'>,
  request: RequestContext,
  message: Message,
  stoppedTyping?: TypingRecord,
): Promise<void> {
  await Promise.all([broadcastMessage(runtime, request, message, stoppedTyping), queuePushJob(runtime, message)]);
}

/**
 * To every subscriber but the sending connection (the sender's other devices get it too) and the users who blocked
 * the sender; then, if the send ended the sender's typing, that stop. One read of who blocked the sender for both.
 */
async function broadcastMessage(
  runtime: RuntimeWith<'blocks'>,
  request: RequestContext,
  message: Message,
  stoppedTyping?: TypingRecord,
): Promise<void> {
  const blockers = await blockersForBroadcast(runtime, message.senderId);
  if (!blockers) return;
  const event: MessageEvent = { type: 'message', roomId: message.roomId, message };
  await runtime.fanOut.toRoom(
    message.roomId,
    event,
    excludingBlockers({ connectionId: request.connectionId }, blockers),
  );
  if (stoppedTyping) {
    await runtime.fanOut.toRoom(
      message.roomId,
      typingStoppedEvent(stoppedTyping),
      excludingBlockers(typingExclusion(message.senderId), blockers),
    );
  }
}

async function queuePushJob(runtime: RuntimeWith<never>, message: Message): Promise<void> {
  if (!runtime.pushJobs) return;
  const queued = await runtime.pushJobs.enqueue(
    { roomId: message.roomId, seq: message.seq },
    runtime.config.pushDelaySeconds,
  );
  if (!queued) {
    runtime.metrics.count('PushFailures');
    runtime.logger.error('push job not queued: members away get no push for this message', {
      roomId: message.roomId,
      seq: message.seq,
    });
  }
}

/**
 * The message was claimed before. Its history write may not have happened (an earlier attempt died between the
 * two writes): writing it now completes that attempt, and then this call owes the broadcast.
 */
async function answerWithStored(
  runtime: RuntimeWith<'messages' | 'blocks'>,
  request: RequestContext,
  stored: Message,
): Promise<ActionOutcome<'sendMessage'>> {
  const wroteHistory = await runtime.stores.messages.putMessageIfAbsent(stored);
  if (!wroteHistory) return { ack: { message: stored } };
  runtime.metrics.count('MessagesSent');
  return { ack: { message: stored }, after: () => announceMessage(runtime, request, stored) };
}

export const sendMessage: ActionHandler<'sendMessage', 'profiles' | 'messages' | 'typing' | 'blocks'> = async (
  runtime,
  request,
  input,
) => {
  const { messages } = runtime.stores;
  if (input.content.length > LIMITS.contentMaxLength) {
    throw new ChatError('PAYLOAD_TOO_LARGE', `content: must be at most ${LIMITS.contentMaxLength} characters`);
  }
  const state = await messages.getSendState(input.roomId, request.userId, input.clientMessageId, input.replyTo);
  // getSendState reads the membership, an earlier claim, the typing indicator and the message replied to in one
  // round trip.
  if (!state.member) throw forbidden();
  if (state.existing) return answerWithStored(runtime, request, state.existing);
  if (input.replyTo !== undefined && !state.replyTarget) {
    throw notFound(`replyTo: no message ${input.replyTo} in this room`);
  }
  if (input.attachmentUrl !== undefined) await acceptAttachment(runtime, input.roomId, input.attachmentUrl);

  const [seq, profile] = await Promise.all([
    messages.nextSeq(input.roomId),
    loadProfile(runtime.stores.profiles, request.userId),
  ]);
  const message: Message = {
    id: randomUUID(),
    roomId: input.roomId,
    seq,
    senderId: request.userId,
    senderName: profile.displayName,
    content: input.content,
    messageType: input.messageType ?? 'text',
    clientMessageId: input.clientMessageId,
    createdAt: toIsoTime(request.now),
  };
  if (profile.avatarUrl !== undefined) message.senderAvatar = profile.avatarUrl;
  if (input.attachmentUrl !== undefined) message.attachmentUrl = input.attachmentUrl;
  // Only the seq: a quoted copy of the content would outlive the message's edits and its deletion.
  if (input.replyTo !== undefined) message.replyTo = input.replyTo;

  const claimedBefore = await messages.claimClientMessageId(message);
  // A retry racing this one claimed first (its seq wins; ours becomes a gap).
  if (claimedBefore) return answerWithStored(runtime, request, claimedBefore);

  // False only if the seq were handed out twice; the message is stored either way, and broadcasting is owed by
  // whoever wrote it.
  const wroteHistory = await messages.putMessageIfAbsent(message);
  if (!wroteHistory) return { ack: { message } };
  runtime.metrics.count('MessagesSent');

  const typingWasLive = state.typing !== undefined && state.typing.expiresAt > request.now;
  const stoppedTyping = typingWasLive
    ? await runtime.stores.typing.stopTyping(input.roomId, request.userId, request.now)
    : undefined;
  return {
    ack: { message },
    after: () => announceMessage(runtime, request, message, stoppedTyping),
  };
};
