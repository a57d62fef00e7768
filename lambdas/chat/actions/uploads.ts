// createUpload and getAttachmentUrl: files go to the attachment bucket and come back from it directly, through
// requests the backend signs for members only; the socket carries only references (protocol/attachments.ts).
import { randomUUID } from 'node:crypto';
import {
  attachmentKey,
  attachmentReference,
  parseAttachmentReference,
  sanitizeFileName,
} from '../../protocol/index.js';
import type { ActionHandler, RuntimeWith } from '../context.js';
import { badRequest, ChatError } from '../errors.js';
import type { AttachmentStorage } from '../ports.js';
import { requireMembership } from '../room-access.js';
import { toIsoTime } from '../wire-format.js';

function storageOf(runtime: RuntimeWith<never>): AttachmentStorage {
  if (!runtime.attachments) throw badRequest('uploads are not enabled on this backend (no attachment bucket)');
  return runtime.attachments;
}

const megabytes = (bytes: number): string => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

export const createUpload: ActionHandler<'createUpload', 'rooms'> = async (runtime, request, input) => {
  const storage = storageOf(runtime);
  const { contentTypes, maxBytes, uploadUrlTtlS } = runtime.config.uploads;
  const contentType = input.contentType.toLowerCase();
  if (!contentTypes.includes(contentType)) {
    throw badRequest(
      `contentType: ${JSON.stringify(input.contentType)} is not allowed (allowed: ${contentTypes.join(', ')})`,
    );
  }
  if (input.size > maxBytes) {
    throw new ChatError('PAYLOAD_TOO_LARGE', `size: must be at most ${maxBytes} bytes (${megabytes(maxBytes)})`);
  }
  await requireMembership(runtime.stores.rooms, input.roomId, request.userId);
  const key = attachmentKey(input.roomId, randomUUID(), sanitizeFileName(input.fileName));
  const signed = await storage.presignUpload(key, { contentType, size: input.size }, uploadUrlTtlS);
  return {
    ack: {
      uploadUrl: signed.url,
      headers: signed.headers,
      attachmentUrl: attachmentReference(key),
      expiresAt: toIsoTime(signed.expiresAt),
    },
  };
};

export const getAttachmentUrl: ActionHandler<'getAttachmentUrl', 'rooms'> = async (runtime, request, input) => {
  const storage = storageOf(runtime);
  await requireMembership(runtime.stores.rooms, input.roomId, request.userId);
  const reference = parseAttachmentReference(input.attachmentUrl)!;
  // A member of one room must not read another room's files by naming its own room.
  if (reference.roomId !== input.roomId) throw badRequest('attachmentUrl: an attachment of another room');
  const signed = await storage.presignDownload(reference.key, runtime.config.uploads.downloadUrlTtlS);
  return { ack: { url: signed.url, expiresAt: toIsoTime(signed.expiresAt) } };
};

/**
 * Before a message with a backend attachment is stored: the reference must be of the message's room and its file
 * uploaded; the file is then kept (no longer expires as unsent). Links (https://) pass as they always did.
 */
export async function acceptAttachment(runtime: RuntimeWith<never>, roomId: string, attachmentUrl: string) {
  const reference = parseAttachmentReference(attachmentUrl);
  if (!reference) return;
  if (reference.roomId !== roomId) throw badRequest('attachmentUrl: an attachment of another room');
  if (!(await storageOf(runtime).markSent(reference.key))) {
    throw badRequest('attachmentUrl: no file was uploaded for this attachment (PUT it to the uploadUrl first)');
  }
}
