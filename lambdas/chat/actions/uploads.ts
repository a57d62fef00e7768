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
import { badRequest, ChatError, describeError, notFound } from '../errors.js';
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

/** getAttachmentUrl's answer for a file that is not stored (PROTOCOL.md, "Attachments"). */
export const FILE_GONE = 'attachmentUrl: the file is gone (its message was deleted) or was never uploaded';

export const getAttachmentUrl: ActionHandler<'getAttachmentUrl', 'rooms'> = async (runtime, request, input) => {
  const storage = storageOf(runtime);
  await requireMembership(runtime.stores.rooms, input.roomId, request.userId);
  const reference = parseAttachmentReference(input.attachmentUrl)!;
  // A member of one room must not read another room's files by naming its own room.
  if (reference.roomId !== input.roomId) throw badRequest('attachmentUrl: an attachment of another room');
  // A deleted message's file is removed: no link is signed for it (nor for one never uploaded).
  if (!(await storage.exists(reference.key))) throw notFound(FILE_GONE);
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

/**
 * After a message with a backend attachment was deleted: its file is removed from storage. Never throws: the message
 * is deleted whatever happens here. When the removal fails (logged, counted as AttachmentRemovalFailures) the file
 * is marked unsent again, so the storage's lifecycle rule removes it within a day; when that fails too, the log
 * line names the key to remove by hand.
 */
export async function removeAttachment(
  runtime: RuntimeWith<never>,
  roomId: string,
  seq: number,
  attachmentUrl: string,
) {
  const reference = parseAttachmentReference(attachmentUrl);
  if (!reference || !runtime.attachments) return;
  const storage = runtime.attachments;
  try {
    await storage.remove(reference.key);
    return;
  } catch (error) {
    runtime.metrics.count('AttachmentRemovalFailures');
    runtime.logger.error("removing a deleted message's file failed: it is left to the lifecycle rule", {
      roomId,
      seq,
      key: reference.key,
      ...describeError(error),
    });
  }
  try {
    await storage.markUnsent(reference.key);
  } catch (error) {
    runtime.logger.error("marking a deleted message's file unsent failed: remove it by hand", {
      roomId,
      seq,
      key: reference.key,
      ...describeError(error),
    });
  }
}
