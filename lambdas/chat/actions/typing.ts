// typing: indicators that expire on their own. A start is broadcast, a keep-alive only once its last broadcast is
// old enough for receivers to need the new expiry, a stop only if the indicator was live. Nothing is sent on expiry:
// receivers drop it at the expiresAt they were told.
import { LIMITS, type TypingEvent } from '../../protocol/index.js';
import { toRoomFrom } from '../blocking.js';
import type { ActionHandler, RuntimeWith } from '../context.js';
import type { TypingRecord } from '../ports.js';
import { loadProfile, requireMembership } from '../room-access.js';
import { toIsoTime, typingStoppedEvent } from '../wire-format.js';

/** Typing events never go to any of the typing user's own connections, nor to users who blocked them. */
export function broadcastTyping(runtime: RuntimeWith<'blocks'>, event: TypingEvent): Promise<void> {
  return toRoomFrom(runtime, event.userId, event.roomId, event, typingExclusion(event.userId));
}

export const typingExclusion = (userId: string) => ({ userIds: [userId] });

export const typing: ActionHandler<'typing', 'profiles' | 'rooms' | 'typing' | 'blocks'> = async (
  runtime,
  request,
  input,
) => {
  const { roomId } = input;
  const { userId, now } = request;
  if (!input.isTyping) {
    await requireMembership(runtime.stores.rooms, roomId, userId);
    const wasLive = await runtime.stores.typing.stopTyping(roomId, userId, now);
    if (!wasLive) return { ack: {} };
    return { ack: {}, after: () => broadcastTyping(runtime, typingStoppedEvent(wasLive)) };
  }
  const [, profile] = await Promise.all([
    requireMembership(runtime.stores.rooms, roomId, userId),
    loadProfile(runtime.stores.profiles, userId),
  ]);
  const record: TypingRecord = {
    roomId,
    userId,
    displayName: profile.displayName,
    expiresAt: now + LIMITS.typingTtlMs,
    lastBroadcastAt: now,
  };
  const shouldBroadcast = await runtime.stores.typing.startTyping(record, now, LIMITS.typingRebroadcastMs);
  if (!shouldBroadcast) return { ack: {} };
  const event: TypingEvent = {
    type: 'typing',
    roomId,
    userId,
    displayName: record.displayName,
    isTyping: true,
    expiresAt: toIsoTime(record.expiresAt),
  };
  return { ack: {}, after: () => broadcastTyping(runtime, event) };
};
