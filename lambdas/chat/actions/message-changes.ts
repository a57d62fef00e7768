// editMessage and deleteMessage, and what every change to a message shares (react is in reactions.ts). A change
// takes its own seq from the room's counter, like a message: the message's item is brought to its new state
// first, then the change is stored under that seq and broadcast, so a client that catches up with getHistory
// `after` finds every change in order, and every change it finds is already part of the messages it reads.
// Each action is idempotent by the state it asks for: a request that finds the message in that state already is
// acked with the message and changes nothing (no seq, no broadcast).
import { LIMITS, type ChangeEvent, type Message, type MessageChange } from '../../protocol/index.js';
import { toRoomFrom } from '../blocking.js';
import type { ActionHandler, ActionOutcome, RequestContext, RuntimeWith } from '../context.js';
import { ChatError, badRequest, forbidden, notFound } from '../errors.js';
import type { RoomRecord } from '../ports.js';
import { toIsoTime } from '../wire-format.js';
import { removeAttachment } from './uploads.js';

type ChangeAction = 'editMessage' | 'deleteMessage' | 'react';

/** The room and the message under `seq` as the user sees it; FORBIDDEN for a non-member, NOT_FOUND for no message. */
export async function readTarget(
  runtime: RuntimeWith<'messages'>,
  request: RequestContext,
  roomId: string,
  seq: number,
): Promise<{ room: RoomRecord; target: Message }> {
  const state = await runtime.stores.messages.getChangeState(roomId, seq, request.userId);
  if (!state.member || !state.room) throw forbidden();
  if (!state.target) throw notFound(`seq: no message ${seq} in this room`);
  return { room: state.room, target: state.target };
}

export const deletedError = (seq: number): ChatError => notFound(`seq: message ${seq} was deleted`);

/**
 * Stores the change under its seq and broadcasts it (not to users who blocked its author). The seq can be taken
 * only by a deletion that cleared an edit's content before the edit's item was written: the edit then stays without
 * content and is not broadcast.
 */
export async function recordChange<A extends ChangeAction>(
  runtime: RuntimeWith<'messages' | 'blocks'>,
  request: RequestContext,
  change: MessageChange,
  message: Message,
): Promise<ActionOutcome<A>> {
  const wrote = await runtime.stores.messages.putChangeIfAbsent(change);
  if (!wrote) return { ack: { message } };
  const event: ChangeEvent = { type: 'change', roomId: change.roomId, change };
  return {
    ack: { message, change },
    // Users who blocked the one making the change do not hear of it, as they do not hear of their messages.
    after: () => toRoomFrom(runtime, request.userId, change.roomId, event, { connectionId: request.connectionId }),
  };
}

export const editMessage: ActionHandler<'editMessage', 'messages' | 'blocks'> = async (runtime, request, input) => {
  const { messages } = runtime.stores;
  if (input.content.length > LIMITS.contentMaxLength) {
    throw new ChatError('PAYLOAD_TOO_LARGE', `content: must be at most ${LIMITS.contentMaxLength} characters`);
  }
  const { target } = await readTarget(runtime, request, input.roomId, input.seq);
  if (target.senderId !== request.userId) throw new ChatError('FORBIDDEN', 'seq: only its sender can edit a message');
  if (target.deleted) throw deletedError(input.seq);
  if (target.content === input.content) return { ack: { message: target } };

  const seq = await messages.nextSeq(input.roomId);
  const editedAt = toIsoTime(request.now);
  const outcome = await messages.applyEdit({
    roomId: input.roomId,
    changeOf: input.seq,
    seq,
    content: input.content,
    editedAt,
  });
  if (outcome === 'deleted') throw deletedError(input.seq);
  if (outcome === 'tooManyEdits') {
    throw badRequest(`seq: a message can be edited at most ${LIMITS.editsPerMessageMax} times`);
  }
  if (outcome === 'superseded') {
    // An edit with a greater seq landed first: it wins, and this one is never seen (its seq stays a gap).
    return { ack: { message: (await readTarget(runtime, request, input.roomId, input.seq)).target } };
  }
  const change: MessageChange = {
    roomId: input.roomId,
    seq,
    changeOf: input.seq,
    kind: 'edit',
    userId: request.userId,
    createdAt: editedAt,
    content: input.content,
  };
  return recordChange(runtime, request, change, { ...target, content: input.content, editedAt });
};

/** Who may delete: the sender; in a group room also its creator, who moderates it (direct rooms have no such role). */
const mayDelete = (room: RoomRecord, target: Message, userId: string): boolean =>
  target.senderId === userId || (room.kind === 'group' && room.createdBy === userId);

function deletedView(message: Message): Message {
  const { attachmentUrl: _attachmentUrl, ...rest } = message;
  return { ...rest, content: '', deleted: true };
}

export const deleteMessage: ActionHandler<'deleteMessage', 'messages' | 'blocks'> = async (runtime, request, input) => {
  const { messages } = runtime.stores;
  const { room, target } = await readTarget(runtime, request, input.roomId, input.seq);
  if (!mayDelete(room, target, request.userId)) {
    throw new ChatError('FORBIDDEN', 'seq: only its sender (or the creator of a group room) can delete a message');
  }
  if (target.deleted) {
    // A repeated delete finishes what a failed one may have left: the copies of the content go.
    await messages.removeDeletedContent(input.roomId, input.seq);
    return { ack: { message: target } };
  }
  const seq = await messages.nextSeq(input.roomId);
  const deletedNow = await messages.markDeleted(input.roomId, input.seq);
  await messages.removeDeletedContent(input.roomId, input.seq);
  const message = deletedView(target);
  // Deleted meanwhile by another request: that one tells the room and removes the file.
  if (!deletedNow) return { ack: { message } };
  // Edits change only the content: the attachment is the one the message was sent with.
  if (target.attachmentUrl !== undefined) {
    await removeAttachment(runtime, input.roomId, input.seq, target.attachmentUrl);
  }
  const change: MessageChange = {
    roomId: input.roomId,
    seq,
    changeOf: input.seq,
    kind: 'delete',
    userId: request.userId,
    createdAt: toIsoTime(request.now),
  };
  return recordChange(runtime, request, change, message);
};
