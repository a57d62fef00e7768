// Attachments (PROTOCOL.md, "Attachments") through the local stack: createUpload's refusals, an upload that
// round-trips byte for byte through the presigned PUT and GET the real signer makes (checked by the stack's S3
// emulation), a tampered or mismatched request refused, and sendMessage's attachment rules.
import { randomBytes } from 'node:crypto';
import { describe, expect } from 'vitest';
import { createS3Attachments } from '../../lambdas/adapters/s3-attachments.js';
import type { Message } from '../../lambdas/protocol/index.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import { frameOf } from './support/wire.js';

const MAX_BYTES = 64 * 1024;
const local = useLocalStack({ uploads: { maxBytes: MAX_BYTES } });

const put = (url: string, headers: Record<string, string>, body: Buffer) =>
  fetch(url, { method: 'PUT', headers, body: new Uint8Array(body) });

describe('createUpload', () => {
  local.it(
    'refuses a size over the limit, a type not allowed and a room the user is not in, naming the field',
    async () => {
      const { client: a } = await local.connectNew('alice');
      const { client: eve } = await local.connectNew('eve');
      const room = await local.createRoom(a, []);
      const roomId = room.roomId;
      expect(await a.error('createUpload', { roomId, contentType: 'image/png', size: MAX_BYTES + 1 })).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        message: expect.stringMatching(/^size: must be at most 65536 bytes/),
      });
      expect(await a.error('createUpload', { roomId, contentType: 'text/html', size: 10 })).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(
          /^contentType: "text\/html" is not allowed \(allowed: image\/png, .*application\/pdf\)/,
        ),
      });
      expect(await a.error('createUpload', { roomId, contentType: 'not a type', size: 10 })).toMatchObject({
        code: 'BAD_REQUEST',
        message: 'contentType: must be a media type such as image/png',
      });
      expect(await a.error('createUpload', { roomId, contentType: 'image/png', size: 0 })).toMatchObject({
        message: 'size: must be at least 1',
      });
      expect(await eve.error('createUpload', { roomId, contentType: 'image/png', size: 10 })).toMatchObject({
        code: 'FORBIDDEN',
      });
    },
  );

  local.it(
    'an upload round-trips byte for byte; members read it, others cannot; the upload is kept once sent',
    async () => {
      const { client: a } = await local.connectNew('alice');
      const [bob] = await local.registered('bob');
      const { client: eve } = await local.connectNew('eve');
      const b = await local.connect(bob!);
      const room = await local.createRoom(a, [bob!]);
      const roomId = room.roomId;
      const bytes = randomBytes(40_000);
      const upload = await a.ack('createUpload', {
        roomId,
        contentType: 'image/PNG',
        size: bytes.length,
        fileName: 'Holiday photo (1) ü.png',
      });
      expect(upload.headers).toEqual({ 'Content-Type': 'image/png', 'x-amz-tagging': 'chat-upload=unsent' });
      expect(upload.attachmentUrl).toMatch(
        new RegExp(`^attachment:rooms/${encodeURIComponent(roomId)}/[0-9a-f-]{36}/Holiday_photo_1_u.png$`),
      );
      expect(Date.parse(upload.expiresAt as string) - Date.now()).toBeGreaterThan(800_000);
      const uploadUrl = new URL(upload.uploadUrl as string);
      expect(uploadUrl.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host;x-amz-tagging');

      // Another size, another type: refused (both are signed).
      expect((await put(uploadUrl.href, upload.headers as Record<string, string>, bytes.subarray(1))).status).toBe(403);
      const otherType = { ...(upload.headers as Record<string, string>), 'Content-Type': 'image/gif' };
      expect((await put(uploadUrl.href, otherType, bytes)).status).toBe(403);
      // A tampered signature, or the same signature on another key: refused.
      const tampered = new URL(uploadUrl);
      const signature = tampered.searchParams.get('X-Amz-Signature')!;
      tampered.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
      const refused = await put(tampered.href, upload.headers as Record<string, string>, bytes);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('SignatureDoesNotMatch');
      const elsewhere = new URL(uploadUrl);
      elsewhere.pathname = elsewhere.pathname.replace(/[^/]+$/, 'other.png');
      expect((await put(elsewhere.href, upload.headers as Record<string, string>, bytes)).status).toBe(403);

      // Sending before the file is there is refused, and stores nothing.
      const early = await a.error('sendMessage', {
        roomId,
        clientMessageId: 'early',
        content: 'photo',
        messageType: 'image',
        attachmentUrl: upload.attachmentUrl,
      });
      expect(early).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/^attachmentUrl: no file was uploaded/),
      });

      expect((await put(uploadUrl.href, upload.headers as Record<string, string>, bytes)).status).toBe(200);
      const key = (upload.attachmentUrl as string).slice('attachment:'.length);
      expect(await local.stack.attachments.tagsOf(key)).toBe('chat-upload=unsent');
      const sent = await a.ack('sendMessage', {
        roomId,
        clientMessageId: 'photo',
        content: 'our holiday',
        messageType: 'image',
        attachmentUrl: upload.attachmentUrl,
      });
      expect((sent.message as Message).attachmentUrl).toBe(upload.attachmentUrl);
      expect(await local.stack.attachments.tagsOf(key)).toBe('');
      const event = await b.waitFor(frameOf('message', { roomId }));
      const attachmentUrl = (event.message as Message).attachmentUrl!;

      const link = await b.ack('getAttachmentUrl', { roomId, attachmentUrl });
      const download = await fetch(link.url as string);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
      // The download link reads, and only reads.
      expect((await put(link.url as string, {}, bytes)).status).toBe(403);

      expect(await eve.error('getAttachmentUrl', { roomId, attachmentUrl })).toMatchObject({ code: 'FORBIDDEN' });
      const evesRoom = await local.createRoom(eve, []);
      expect(await eve.error('getAttachmentUrl', { roomId: evesRoom.roomId, attachmentUrl })).toMatchObject({
        code: 'BAD_REQUEST',
        message: 'attachmentUrl: an attachment of another room',
      });
      expect(
        await eve.error('sendMessage', {
          roomId: evesRoom.roomId,
          clientMessageId: 'steal',
          content: 'x',
          attachmentUrl,
        }),
      ).toMatchObject({ code: 'BAD_REQUEST', message: 'attachmentUrl: an attachment of another room' });
      // A link signed with the stack's own keys but an hour ago for 15 minutes has expired; one signed with another
      // secret never matches.
      const { attachmentsBucketUrl, region, credentials } = local.stack.config;
      const signerAt = (now: number, secretAccessKey = credentials!.secretAccessKey) =>
        createS3Attachments({
          bucketUrl: attachmentsBucketUrl!,
          region,
          credentials: { ...credentials!, secretAccessKey },
          now: () => now,
        });
      const expired = await fetch((await signerAt(Date.now() - 3_600_000).presignDownload(key, 900)).url);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toContain('Request has expired');
      const forged = await fetch((await signerAt(Date.now(), 'guessed').presignDownload(key, 900)).url);
      expect(forged.status).toBe(403);
      expect((await fetch((await signerAt(Date.now()).presignDownload(key, 900)).url)).status).toBe(200);
      // Links are still accepted as before.
      await a.ack('sendMessage', {
        roomId,
        clientMessageId: 'link',
        content: 'see',
        attachmentUrl: 'https://example.com/a.png',
      });
    },
  );
});

describe('deleteMessage with an attachment', () => {
  local.it(
    "removes the file from the bucket: the earlier link fails, getAttachmentUrl answers NOT_FOUND; only its sender's delete does",
    async () => {
      const { client: a } = await local.connectNew('alice');
      const [bob] = await local.registered('bob');
      const b = await local.connect(bob!);
      const room = await local.createRoom(a, [bob!]);
      const roomId = room.roomId;
      const bytes = randomBytes(1_000);
      const upload = await a.ack('createUpload', { roomId, contentType: 'image/png', size: bytes.length });
      expect((await put(upload.uploadUrl as string, upload.headers as Record<string, string>, bytes)).status).toBe(200);
      const attachmentUrl = upload.attachmentUrl as string;
      const key = attachmentUrl.slice('attachment:'.length);
      const sent = await a.ack('sendMessage', { roomId, clientMessageId: 'pic', content: 'a photo', attachmentUrl });
      const seq = (sent.message as Message).seq;
      await a.ack('editMessage', { roomId, seq, content: 'a photo, edited' });
      const link = await b.ack('getAttachmentUrl', { roomId, attachmentUrl });
      expect((await fetch(link.url as string)).status).toBe(200);

      // Not bob's message: refused, and the file stays.
      expect(await b.error('deleteMessage', { roomId, seq })).toMatchObject({ code: 'FORBIDDEN' });
      expect(await local.stack.attachments.tagsOf(key)).toBe('');
      expect((await fetch(link.url as string)).status).toBe(200);

      const deleted = await a.ack('deleteMessage', { roomId, seq });
      expect(deleted.change).toMatchObject({ kind: 'delete', changeOf: seq });
      expect(await local.stack.attachments.tagsOf(key)).toBeUndefined();
      const after = await fetch(link.url as string);
      expect(after.status).toBe(404);
      expect(await after.text()).toContain('NoSuchKey');
      expect(await b.error('getAttachmentUrl', { roomId, attachmentUrl })).toEqual(
        expect.objectContaining({
          code: 'NOT_FOUND',
          message: 'attachmentUrl: the file is gone (its message was deleted) or was never uploaded',
        }),
      );

      // A repeated delete acks the message as it is and changes nothing; the reference cannot be sent again.
      const again = await a.ack('deleteMessage', { roomId, seq });
      expect(again.change).toBeUndefined();
      expect(again.message).toMatchObject({ seq, deleted: true, content: '' });
      expect((again.message as Message).attachmentUrl).toBeUndefined();
      expect(
        await a.error('sendMessage', { roomId, clientMessageId: 'again', content: 'again', attachmentUrl }),
      ).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^attachmentUrl: no file was uploaded/) });
    },
  );

  local.it(
    "the bucket's DELETE is signed like every other request, and answers 204 for a key already gone",
    async () => {
      const { client: a } = await local.connectNew('alice');
      const room = await local.createRoom(a, []);
      const bytes = randomBytes(10);
      const upload = await a.ack('createUpload', { roomId: room.roomId, contentType: 'image/png', size: bytes.length });
      expect((await put(upload.uploadUrl as string, upload.headers as Record<string, string>, bytes)).status).toBe(200);
      const key = (upload.attachmentUrl as string).slice('attachment:'.length);
      // A GET link used as a DELETE: its signature names GET, so it is refused and the file stays.
      const { attachmentsBucketUrl, region, credentials } = local.stack.config;
      const signer = createS3Attachments({ bucketUrl: attachmentsBucketUrl!, region, credentials: credentials! });
      const readLink = (await signer.presignDownload(key, 900)).url;
      const misused = await fetch(readLink, { method: 'DELETE' });
      expect(misused.status).toBe(403);
      expect(await misused.text()).toContain('SignatureDoesNotMatch');
      expect(await local.stack.attachments.tagsOf(key)).toBe('chat-upload=unsent');
      // One signed with another secret: refused too.
      const forger = createS3Attachments({
        bucketUrl: attachmentsBucketUrl!,
        region,
        credentials: { ...credentials!, secretAccessKey: 'guessed' },
      });
      await expect(forger.remove(key)).rejects.toThrow('remove: the attachment bucket answered 403');
      // A refused HEAD reads as "not there", as S3's 403 for a missing key does: no link is signed on it.
      expect(await forger.exists(key)).toBe(false);
      expect(await signer.exists(key)).toBe(true);

      await signer.remove(key);
      expect(await local.stack.attachments.tagsOf(key)).toBeUndefined();
      expect(await signer.exists(key)).toBe(false);
      await signer.remove(key);
      expect(await signer.markUnsent(key)).toBe(false);
    },
  );

  local.it('markUnsent, the fallback of a failed removal, tags a kept file unsent again', async () => {
    const { client: a } = await local.connectNew('alice');
    const room = await local.createRoom(a, []);
    const roomId = room.roomId;
    const bytes = randomBytes(10);
    const upload = await a.ack('createUpload', { roomId, contentType: 'image/png', size: bytes.length });
    expect((await put(upload.uploadUrl as string, upload.headers as Record<string, string>, bytes)).status).toBe(200);
    const attachmentUrl = upload.attachmentUrl as string;
    const key = attachmentUrl.slice('attachment:'.length);
    await a.ack('sendMessage', { roomId, clientMessageId: 'kept', content: 'x', attachmentUrl });
    expect(await local.stack.attachments.tagsOf(key)).toBe('');
    const { attachmentsBucketUrl, region, credentials } = local.stack.config;
    const signer = createS3Attachments({ bucketUrl: attachmentsBucketUrl!, region, credentials: credentials! });
    expect(await signer.markUnsent(key)).toBe(true);
    expect(await local.stack.attachments.tagsOf(key)).toBe('chat-upload=unsent');
  });
});
