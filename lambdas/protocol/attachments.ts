// Attachment references (PROTOCOL.md, "Attachments"): what createUpload hands out and sendMessage's attachmentUrl
// carries for a file stored by the backend. A reference names the object's key, `attachment:rooms/<room>/<id>/<name>`,
// and is not a URL anyone can fetch: members read it through getAttachmentUrl, which answers a short-lived link.

export const ATTACHMENT_SCHEME = 'attachment:';

/** The longest file name kept in a key (after sanitising); longer names are cut, keeping their extension. */
export const FILE_NAME_MAX_LENGTH = 100;

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SAFE_NAME = /^[A-Za-z0-9._-]+$/;
const REFERENCE = /^attachment:rooms\/([^/]+)\/([^/]+)\/([^/]+)$/;

/**
 * A file name safe in a key and a URL path: letters, digits, '.', '_' and '-' only (anything else becomes '_'),
 * no leading dot, at most FILE_NAME_MAX_LENGTH characters; 'file' when nothing is left.
 */
export function sanitizeFileName(name: string | undefined): string {
  const replaced = (name ?? '')
    .normalize('NFKD')
    // Accents go with their letter (ü → u) rather than becoming '_'.
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .replace(/_+/g, '_');
  if (replaced.length <= FILE_NAME_MAX_LENGTH) return replaced || 'file';
  const dot = replaced.lastIndexOf('.');
  const extension = dot > 0 && replaced.length - dot <= 10 ? replaced.slice(dot) : '';
  return replaced.slice(0, FILE_NAME_MAX_LENGTH - extension.length) + extension;
}

/** The object key of an upload: under the room's prefix (room id URI-encoded, so it is one path segment). */
export function attachmentKey(roomId: string, uploadId: string, fileName: string): string {
  return `rooms/${encodeURIComponent(roomId)}/${uploadId}/${fileName}`;
}

export const attachmentReference = (key: string): string => `${ATTACHMENT_SCHEME}${key}`;

export const isAttachmentReference = (value: string): boolean => value.startsWith(ATTACHMENT_SCHEME);

/** The room and key a well-formed reference names; undefined for anything else. */
export function parseAttachmentReference(value: string): { roomId: string; key: string } | undefined {
  const match = REFERENCE.exec(value);
  if (!match) return undefined;
  const [, encodedRoom, uploadId, fileName] = match as unknown as [string, string, string, string];
  if (!UPLOAD_ID.test(uploadId) || !SAFE_NAME.test(fileName) || fileName.length > FILE_NAME_MAX_LENGTH)
    return undefined;
  let roomId: string;
  try {
    roomId = decodeURIComponent(encodedRoom);
  } catch {
    return undefined;
  }
  if (encodeURIComponent(roomId) !== encodedRoom) return undefined;
  return { roomId, key: value.slice(ATTACHMENT_SCHEME.length) };
}
