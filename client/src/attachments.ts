import type { AckFields } from '../../lambdas/protocol/frames.js';
import { ChatError } from './chat-error.js';

/** What uploadFile needs of the client: the createUpload request. */
export type CreateUpload = (
  roomId: string,
  file: { contentType: string; size: number; fileName?: string },
) => Promise<AckFields['createUpload']>;

/**
 * createUpload, then the presigned PUT with the global `fetch` (exactly the headers given; fetch sends the
 * Content-Length from the body, which the signature pins to `size`). Resolves with the attachmentUrl to send.
 */
export async function uploadFile(
  createUpload: CreateUpload,
  roomId: string,
  body: Blob | Uint8Array,
  options: { contentType: string; fileName?: string },
): Promise<string> {
  const size = body instanceof Uint8Array ? body.byteLength : body.size;
  const upload = await createUpload(roomId, {
    contentType: options.contentType,
    size,
    ...(options.fileName !== undefined && { fileName: options.fileName }),
  });
  const response = await fetch(upload.uploadUrl, {
    method: 'PUT',
    headers: upload.headers,
    body: body instanceof Uint8Array ? new Uint8Array(body) : body,
  });
  if (!response.ok) {
    throw new ChatError('UPLOAD_FAILED', `the upload was refused with HTTP ${response.status}`, 'createUpload');
  }
  return upload.attachmentUrl;
}
