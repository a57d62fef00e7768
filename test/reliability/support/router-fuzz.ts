// The properties the router must keep for any frame, run against a chat service on either store: the call never
// rejects, never leaves an unhandled rejection, answers a frame with a requestId exactly once, never answers
// INTERNAL (bad input is the client's fault, not the server's), logs no error, and writes nothing when it refuses.
import fc from 'fast-check';
import { expect } from 'vitest';
import type { ChatService } from '../../../lambdas/chat/service.js';
import { REQUEST_ID, type ActionName } from '../../../lambdas/protocol/index.js';
import type { RecordingLogger } from '../../fakes/chat-harness.js';
import type { RecordingNotifier } from '../../fakes/recording-notifier.js';
import { anyFrameBody, wrongValueFor, type FieldKind } from './frame-arbitraries.js';

export interface FuzzTarget {
  chat: ChatService;
  notifier: RecordingNotifier;
  logger: RecordingLogger;
  /** Everything stored, as one comparable string. */
  snapshot(): Promise<string>;
  /** The connection the frames come from: alice, a member of `roomId` with bob. */
  sender: { connectionId: string; userId: string; connectedAt: number };
  roomId: string;
  bobId: string;
}

type Answer = { type: 'ack' | 'error'; requestId?: string; code?: string; message?: string };

/** The requestId the router must echo, if the frame carries a well-formed one. */
function wellFormedRequestId(body: string): string | undefined {
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, 'requestId')) return undefined;
    const requestId = (value as { requestId?: unknown }).requestId;
    return REQUEST_ID.safeParse(requestId).success ? (requestId as string) : undefined;
  } catch {
    return undefined;
  }
}

const unhandled: unknown[] = [];
let listening = false;
function watchUnhandledRejections(): void {
  if (listening) return;
  listening = true;
  process.on('unhandledRejection', (reason) => unhandled.push(reason));
}

/** Sends one body and checks every rule; returns the answers. */
export async function sendAndCheck(target: FuzzTarget, body: string): Promise<Answer[]> {
  watchUnhandledRejections();
  const before = await target.snapshot();
  const seen = target.notifier.attempts.length;
  const errorsLogged = target.logger.entries.filter((e) => e.level === 'error').length;
  await expect(target.chat.onFrame({ ...target.sender, body })).resolves.toBeUndefined();
  // Give a stray promise a turn to surface as unhandled.
  await new Promise((resolve) => setImmediate(resolve));
  const answers = target.notifier.attempts
    .slice(seen)
    .filter((attempt) => attempt.connectionId === target.sender.connectionId && attempt.outcome === 'delivered')
    .map((attempt) => JSON.parse(attempt.payload) as Answer & { type: string })
    .filter((frame): frame is Answer => frame.type === 'ack' || frame.type === 'error');
  const requestId = wellFormedRequestId(body);
  if (requestId !== undefined) {
    expect(
      answers.map((a) => a.requestId),
      `answers to ${JSON.stringify(body).slice(0, 300)}`,
    ).toEqual([requestId]);
  } else {
    expect(answers.length).toBeLessThanOrEqual(1);
    expect(answers.every((a) => a.type === 'error' && a.requestId === undefined)).toBe(true);
  }
  for (const answer of answers)
    expect(answer.code, `answer to ${JSON.stringify(body).slice(0, 300)}`).not.toBe('INTERNAL');
  expect(target.logger.entries.filter((e) => e.level === 'error').length).toBe(errorsLogged);
  if (answers.some((a) => a.type === 'error'))
    expect(await target.snapshot(), 'a refused frame wrote something').toBe(before);
  expect(unhandled).toEqual([]);
  return answers;
}

/** Every action, a frame it accepts, and the kind of each of its fields. */
export function actionFields(
  target: FuzzTarget,
): Record<Exclude<ActionName, 'hello' | 'ping'>, { base: Record<string, unknown>; fields: Record<string, FieldKind> }> {
  const { roomId, bobId } = target;
  const room = { roomId };
  return {
    updateProfile: {
      base: { displayName: 'New Name' },
      fields: { displayName: 'displayName', avatarUrl: 'nullableUrl' },
    },
    createRoom: { base: { name: 'a room', memberIds: [bobId] }, fields: { name: 'name', memberIds: 'ids' } },
    openDirect: { base: { userId: bobId }, fields: { userId: 'id' } },
    addMembers: { base: { roomId, userIds: [bobId] }, fields: { roomId: 'id', userIds: 'nonEmptyIds' } },
    leaveRoom: { base: room, fields: { roomId: 'id' } },
    listRooms: { base: {}, fields: { cursor: 'cursor' } },
    listMembers: { base: room, fields: { roomId: 'id', cursor: 'cursor' } },
    subscribe: { base: room, fields: { roomId: 'id' } },
    unsubscribe: { base: room, fields: { roomId: 'id' } },
    sendMessage: {
      base: { roomId, clientMessageId: 'fuzz-cmid', content: 'hello' },
      fields: {
        roomId: 'id',
        clientMessageId: 'id',
        content: 'content',
        messageType: 'messageType',
        attachmentUrl: 'url',
        replyTo: 'seq',
      },
    },
    editMessage: {
      base: { roomId, seq: 1, content: 'edited' },
      fields: { roomId: 'id', seq: 'seq', content: 'content' },
    },
    deleteMessage: { base: { roomId, seq: 1 }, fields: { roomId: 'id', seq: 'seq' } },
    react: {
      base: { roomId, seq: 1, emoji: '👍', on: true },
      fields: { roomId: 'id', seq: 'seq', emoji: 'emoji', on: 'boolean' },
    },
    getHistory: { base: room, fields: { roomId: 'id', before: 'seq', after: 'seq', limit: 'limit' } },
    typing: { base: { roomId, isTyping: true }, fields: { roomId: 'id', isTyping: 'boolean' } },
    getPresence: { base: room, fields: { roomId: 'id', cursor: 'cursor' } },
    markRead: { base: { roomId, seq: 0 }, fields: { roomId: 'id', seq: 'seq' } },
    registerDevice: {
      base: { platform: 'fcm', token: 'fuzz-device-token' },
      fields: { platform: 'platform', token: 'deviceToken' },
    },
    unregisterDevice: { base: { token: 'fuzz-device-token' }, fields: { token: 'deviceToken' } },
    muteRoom: { base: { roomId, muted: true }, fields: { roomId: 'id', muted: 'boolean' } },
    createUpload: {
      base: { roomId, contentType: 'image/png', size: 10, fileName: 'a.png' },
      fields: { roomId: 'id', contentType: 'contentType', size: 'size', fileName: 'fileName' },
    },
    getAttachmentUrl: {
      base: {
        roomId,
        attachmentUrl: `attachment:rooms/${encodeURIComponent(roomId)}/00000000-0000-4000-8000-000000000000/a.png`,
      },
      fields: { roomId: 'id', attachmentUrl: 'attachmentRef' },
    },
    blockUser: { base: { userId: bobId }, fields: { userId: 'id' } },
    unblockUser: { base: { userId: bobId }, fields: { userId: 'id' } },
    listBlocked: { base: {}, fields: { cursor: 'cursor' } },
    reportMessage: { base: { roomId, seq: 1, reason: 'spam' }, fields: { roomId: 'id', seq: 'seq', reason: 'reason' } },
  };
}

/** Any body at all: the rules of sendAndCheck. */
export function anyFrameProperty(target: FuzzTarget) {
  return fc.asyncProperty(anyFrameBody, async (body) => {
    await sendAndCheck(target, body);
  });
}

/** Each action with exactly one field wrong: BAD_REQUEST naming that field, nothing written. */
export function oneWrongFieldProperty(target: FuzzTarget) {
  const table = actionFields(target);
  const cases = Object.entries(table).flatMap(([action, { base, fields }]) =>
    Object.entries(fields).map(([field, kind]) => ({ action, base, field, kind })),
  );
  const arbitrary = fc.constantFrom(...cases).chain((c) => wrongValueFor(c.kind).map((value) => ({ ...c, value })));
  let counter = 0;
  return fc.asyncProperty(arbitrary, async ({ action, base, field, value }) => {
    counter += 1;
    const requestId = `wrong-${counter}`;
    const body = JSON.stringify({ ...base, [field]: value, action, requestId });
    const [answer] = await sendAndCheck(target, body);
    expect(answer, `${action} with ${field} = ${JSON.stringify(value)?.slice(0, 80)}`).toMatchObject({
      type: 'error',
      code: 'BAD_REQUEST',
    });
    expect(answer!.message!.startsWith(field), `the message names ${field}: ${answer!.message}`).toBe(true);
  });
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const wellFormedText = (min: number, max: number) =>
  fc
    .oneof(
      fc.string({ unit: 'grapheme', minLength: min, maxLength: max }),
      fc.string({ unit: 'binary', minLength: min, maxLength: max }),
    )
    .filter((s) => s.length >= min && s.length <= max && s.isWellFormed());
const validId = fc.oneof(
  wellFormedText(1, 128).filter((s) => !CONTROL.test(s)),
  fc.constantFrom('#', '%', '%23', '#%', 'a#b', 'ROOM#x', 'MEMBER#y', '  '),
);

/**
 * Frames the schemas accept, with arbitrary values in every field: they reach the store (unknown rooms, unknown
 * users, odd unicode in names, content and keys), so what they may get is an ack or the client's own error, never
 * INTERNAL.
 */
export function validFrameProperty(target: FuzzTarget) {
  const roomId = fc.oneof(fc.constant(target.roomId), validId);
  const userId = fc.oneof(fc.constant(target.bobId), validId);
  const seq = fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER));
  const https = fc.webUrl({ validSchemes: ['https'] }).filter((url) => url.length <= 2_048);
  const frames = fc.oneof(
    fc.record(
      {
        action: fc.constant('updateProfile'),
        displayName: wellFormedText(1, 64),
        avatarUrl: fc.oneof(https, fc.constant(null)),
      },
      { requiredKeys: ['action'] },
    ),
    fc.record(
      {
        action: fc.constant('createRoom'),
        name: wellFormedText(1, 100),
        memberIds: fc.array(userId, { maxLength: 3 }),
      },
      { requiredKeys: ['action', 'name'] },
    ),
    fc.record({ action: fc.constant('openDirect'), userId }),
    fc.record({ action: fc.constant('addMembers'), roomId, userIds: fc.array(userId, { minLength: 1, maxLength: 3 }) }),
    fc.record({ action: fc.constantFrom('leaveRoom', 'subscribe', 'unsubscribe'), roomId }),
    fc.record(
      { action: fc.constant('getPresence'), roomId, cursor: wellFormedText(1, 200) },
      { requiredKeys: ['action', 'roomId'] },
    ),
    fc.record({ action: fc.constantFrom('listRooms'), cursor: wellFormedText(1, 200) }, { requiredKeys: ['action'] }),
    fc.record(
      { action: fc.constant('listMembers'), roomId, cursor: wellFormedText(1, 200) },
      { requiredKeys: ['action', 'roomId'] },
    ),
    fc.record(
      {
        action: fc.constant('sendMessage'),
        roomId,
        clientMessageId: validId,
        content: wellFormedText(1, 300),
        messageType: fc.constantFrom('text', 'image', 'file'),
        attachmentUrl: https,
      },
      { requiredKeys: ['action', 'roomId', 'clientMessageId', 'content'] },
    ),
    fc.record(
      { action: fc.constant('getHistory'), roomId, before: seq, after: seq, limit: fc.integer({ min: 1, max: 100 }) },
      { requiredKeys: ['action', 'roomId'] },
    ),
    fc.record({ action: fc.constant('typing'), roomId, isTyping: fc.boolean() }),
    fc.record({ action: fc.constant('markRead'), roomId, seq }),
    fc.record({ action: fc.constantFrom('hello', 'ping') }),
  );
  let counter = 0;
  return fc.asyncProperty(frames, async (frame) => {
    counter += 1;
    const [answer] = await sendAndCheck(target, JSON.stringify({ ...frame, requestId: `valid-${counter}` }));
    if (answer!.type === 'error') expect(['BAD_REQUEST', 'FORBIDDEN', 'NOT_FOUND']).toContain(answer!.code);
  });
}
