// What a push says about a message: the sender as title, a preview (or, when the deployer turned previews off, a
// text that gives nothing away), and one collapse key per room.
import { createHash } from 'node:crypto';
import type { Message } from '../protocol/index.js';
import type { PushNotification } from './ports.js';

/** Characters of the message a preview shows; a push payload has 4 KB in all (APNs and FCM). */
export const PREVIEW_MAX_CHARACTERS = 150;
/** The body of every push when previews are off. */
export const GENERIC_PUSH_BODY = 'New message';
/** APNs refuses an apns-collapse-id over 64 bytes. */
const COLLAPSE_KEY_MAX_BYTES = 64;

/** The first PREVIEW_MAX_CHARACTERS characters (whole code points: no half emoji), with '…' when cut. */
export function previewOf(content: string): string {
  const points = Array.from(content.replace(/\s+/g, ' ').trim());
  return points.length <= PREVIEW_MAX_CHARACTERS
    ? points.join('')
    : `${points.slice(0, PREVIEW_MAX_CHARACTERS).join('')}…`;
}

/** The room id when it fits APNs's limit, else a hash of it: stable, so a room's pushes still replace each other. */
export function collapseKeyOf(roomId: string): string {
  if (Buffer.byteLength(roomId, 'utf8') <= COLLAPSE_KEY_MAX_BYTES) return roomId;
  return `room-${createHash('sha256').update(roomId).digest('hex').slice(0, 40)}`;
}

export function notificationFor(
  message: Message,
  userId: string,
  options: { preview: boolean; badge?: number },
): PushNotification {
  // A message of blanks has nothing to preview.
  const preview = options.preview ? previewOf(message.content) : '';
  const notification: PushNotification = {
    userId,
    roomId: message.roomId,
    seq: message.seq,
    title: message.senderName,
    body: preview === '' ? GENERIC_PUSH_BODY : preview,
    collapseKey: collapseKeyOf(message.roomId),
  };
  if (options.badge !== undefined) notification.badge = options.badge;
  return notification;
}
