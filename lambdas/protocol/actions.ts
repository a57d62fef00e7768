// Input schemas of every client action (PROTOCOL.md, "Actions"). The router validates each frame against these
// before any work is done, and the route table (routes.ts) is derived from ACTION_NAMES.
import * as z from 'zod/mini';
import { isEmoji } from './emoji.js';
import { isAttachmentReference, parseAttachmentReference } from './attachments.js';
import { LIMITS } from './limits.js';
import type { PushPlatform } from './objects.js';

const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

// Lone UTF-16 surrogates cannot be stored as UTF-8 (DynamoDB would alter them): they are refused on the way in.
const wellFormed = z.refine<string>((s) => s.isWellFormed(), { message: 'must be well-formed Unicode' });

const id = z.string().check(
  z.minLength(1),
  z.maxLength(LIMITS.idMaxLength),
  z.refine((s) => !CONTROL_CHARS.test(s), { message: 'must not contain control characters' }),
  wellFormed,
);
const httpsUrl = z.string().check(
  z.maxLength(LIMITS.urlMaxLength),
  z.refine((s) => isHttpsUrl(s), { message: 'must be an https:// URL' }),
);
/** An https:// link, or a reference to a file uploaded with createUpload (attachments.ts). */
const attachmentUrl = z.string().check(
  z.maxLength(LIMITS.urlMaxLength),
  z.refine((s) => (isAttachmentReference(s) ? parseAttachmentReference(s) !== undefined : isHttpsUrl(s)), {
    message: 'must be an https:// URL or an attachment reference from createUpload',
  }),
);
const attachmentReference = z.string().check(
  z.maxLength(LIMITS.urlMaxLength),
  z.refine((s) => parseAttachmentReference(s) !== undefined, {
    message: 'must be an attachment reference from createUpload',
  }),
);
const seq = z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER));
const cursor = z.string().check(z.minLength(1), z.maxLength(2_048));

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

const roomOnly = z.object({ roomId: id });

export const PUSH_PLATFORMS = ['apns', 'apns_sandbox', 'fcm'] as const satisfies readonly PushPlatform[];

// Printable ASCII without spaces: what APNs (hex) and FCM tokens are made of.
const deviceToken = z.string().check(
  z.minLength(1),
  z.maxLength(LIMITS.deviceTokenMaxLength),
  z.refine((s) => /^[\x21-\x7e]+$/.test(s), { message: 'must be printable ASCII without spaces' }),
);

export const ACTION_SCHEMAS = {
  // heartbeatMs: the client promises a frame at least this often (bounds checked by the action: the stack's policy).
  hello: z.object({ heartbeatMs: z.optional(z.int()) }),
  // roomSeqs: true asks for the lastSeq of the user's rooms, a page at a time (cursor continues).
  ping: z.object({ roomSeqs: z.optional(z.boolean()), cursor: z.optional(cursor) }),
  updateProfile: z.object({
    displayName: z.optional(z.string().check(z.minLength(1), z.maxLength(LIMITS.displayNameMaxLength), wellFormed)),
    // null clears the avatar.
    avatarUrl: z.optional(z.nullable(httpsUrl)),
  }),
  createRoom: z.object({
    name: z.string().check(z.minLength(1), z.maxLength(LIMITS.roomNameMaxLength), wellFormed),
    memberIds: z.optional(z.array(id).check(z.maxLength(LIMITS.memberIdsMax))),
  }),
  openDirect: z.object({ userId: id }),
  addMembers: z.object({
    roomId: id,
    userIds: z.array(id).check(z.minLength(1), z.maxLength(LIMITS.memberIdsMax)),
  }),
  leaveRoom: roomOnly,
  listRooms: z.object({ cursor: z.optional(cursor) }),
  listMembers: z.object({ roomId: id, cursor: z.optional(cursor) }),
  subscribe: roomOnly,
  unsubscribe: roomOnly,
  sendMessage: z.object({
    roomId: id,
    clientMessageId: id,
    // The 4,000-character limit is checked by the action itself: it has its own code, PAYLOAD_TOO_LARGE.
    content: z.string().check(z.minLength(1), wellFormed),
    messageType: z.optional(z.enum(['text', 'image', 'file'])),
    attachmentUrl: z.optional(attachmentUrl),
    replyTo: z.optional(seq),
  }),
  // The content limit is checked by the action, as for sendMessage (PAYLOAD_TOO_LARGE).
  editMessage: z.object({ roomId: id, seq, content: z.string().check(z.minLength(1), wellFormed) }),
  deleteMessage: z.object({ roomId: id, seq }),
  react: z.object({
    roomId: id,
    seq,
    emoji: z
      .string()
      .check(z.refine(isEmoji, { message: `must be one emoji (at most ${LIMITS.emojiMaxLength} characters)` })),
    on: z.boolean(),
  }),
  getHistory: z.object({
    roomId: id,
    before: z.optional(seq),
    after: z.optional(seq),
    limit: z.optional(z.int().check(z.gte(1), z.lte(LIMITS.historyMaxLimit))),
  }),
  typing: z.object({ roomId: id, isTyping: z.boolean() }),
  getPresence: z.object({ roomId: id, cursor: z.optional(cursor) }),
  markRead: z.object({ roomId: id, seq }),
  registerDevice: z.object({ platform: z.enum(PUSH_PLATFORMS), token: deviceToken }),
  unregisterDevice: z.object({ token: deviceToken }),
  muteRoom: z.object({ roomId: id, muted: z.boolean() }),
  // Whether the type and size are allowed is the stack's configuration: the action checks them.
  createUpload: z.object({
    roomId: id,
    contentType: z.string().check(
      z.minLength(1),
      z.maxLength(LIMITS.contentTypeMaxLength),
      z.refine((s) => /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i.test(s), {
        message: 'must be a media type such as image/png',
      }),
    ),
    size: z.int().check(z.gte(1), z.lte(Number.MAX_SAFE_INTEGER)),
    fileName: z.optional(z.string().check(z.minLength(1), z.maxLength(LIMITS.fileNameMaxLength), wellFormed)),
  }),
  getAttachmentUrl: z.object({ roomId: id, attachmentUrl: attachmentReference }),
  blockUser: z.object({ userId: id }),
  unblockUser: z.object({ userId: id }),
  listBlocked: z.object({ cursor: z.optional(cursor) }),
  reportMessage: z.object({
    roomId: id,
    seq,
    reason: z.string().check(z.minLength(1), z.maxLength(LIMITS.reportReasonMaxLength), wellFormed),
  }),
} as const;

export type ActionName = keyof typeof ACTION_SCHEMAS;
export type ActionInput<A extends ActionName> = z.infer<(typeof ACTION_SCHEMAS)[A]>;

export const ACTION_NAMES = Object.keys(ACTION_SCHEMAS) as ActionName[];

export function isActionName(name: string): name is ActionName {
  return Object.prototype.hasOwnProperty.call(ACTION_SCHEMAS, name);
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Validates an action's fields and returns an error message that names the offending field. */
export function validateAction<A extends ActionName>(action: A, fields: unknown): ValidationResult<ActionInput<A>> {
  const result = ACTION_SCHEMAS[action].safeParse(fields);
  if (result.success) return { ok: true, value: result.data as ActionInput<A> };
  return { ok: false, message: describeIssue(result.error.issues[0]) };
}

export const REQUEST_ID = z.string().check(z.minLength(1), z.maxLength(LIMITS.requestIdMaxLength));

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  minimum?: unknown;
  maximum?: unknown;
  origin?: string;
  values?: unknown[];
}

function describeIssue(issue: Issue | undefined): string {
  if (!issue) return 'invalid request';
  const field = issue.path.map(String).join('.') || 'request';
  const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
  switch (issue.code) {
    case 'invalid_type':
      return `${field}: expected ${issue.expected}`;
    case 'too_small':
      return `${field}: must be at least ${String(issue.minimum)}${unit}`;
    case 'too_big':
      return `${field}: must be at most ${String(issue.maximum)}${unit}`;
    case 'invalid_value':
      return `${field}: must be one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'custom':
      return `${field}: ${issue.message}`;
    default:
      return `${field}: invalid value`;
  }
}
