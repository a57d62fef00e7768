// createUpload, getAttachmentUrl and sendMessage's attachment rules (PROTOCOL.md, "Attachments") in the chat logic,
// with an in-memory attachment storage that records what it was asked to sign (the real signer and bucket
// emulation are exercised end to end in test/e2e/uploads.test.ts).
import { describe, expect, it } from 'vitest';
import type { AttachmentStorage } from '../../../lambdas/chat/ports.js';
import { createChatHarness } from '../../fakes/chat-harness.js';

class MemoryAttachments implements AttachmentStorage {
  readonly uploaded = new Set<string>();
  readonly sent = new Set<string>();
  readonly signed: string[] = [];
  /** Every removal asked for, in order (failed ones too). */
  readonly removals: string[] = [];
  readonly unsentAgain = new Set<string>();
  /** Removals fail (the bucket refuses or is unreachable) while set. */
  failRemovals = false;

  async presignUpload(key: string, file: { contentType: string; size: number }, expiresInS: number) {
    this.signed.push(`PUT ${key} ${file.contentType} ${file.size}`);
    return {
      url: `https://bucket.test/${key}?put`,
      headers: { 'Content-Type': file.contentType },
      expiresAt: expiresInS * 1000,
    };
  }

  async presignDownload(key: string, expiresInS: number) {
    this.signed.push(`GET ${key}`);
    return { url: `https://bucket.test/${key}?get`, headers: {}, expiresAt: expiresInS * 1000 };
  }

  async markSent(key: string) {
    if (!this.uploaded.has(key)) return false;
    this.sent.add(key);
    return true;
  }

  async exists(key: string) {
    return this.uploaded.has(key);
  }

  async remove(key: string) {
    this.removals.push(key);
    if (this.failRemovals) throw new Error('SlowDown');
    this.uploaded.delete(key);
  }

  async markUnsent(key: string) {
    if (!this.uploaded.has(key)) return false;
    this.unsentAgain.add(key);
    return true;
  }
}

/** alice sends a message with an uploaded file in a room with bob; its reference and key. */
async function sendWithFile({ h, alice, room, attachments }: Awaited<ReturnType<typeof setup>>, clientMessageId = 'p') {
  const roomId = room.roomId;
  const upload = await h.ack(alice, 'createUpload', { roomId, contentType: 'image/png', size: 3 });
  const attachmentUrl = upload.attachmentUrl as string;
  const key = attachmentUrl.slice('attachment:'.length);
  attachments.uploaded.add(key);
  const sent = await h.ack(alice, 'sendMessage', { roomId, clientMessageId, content: 'pic', attachmentUrl });
  return { roomId, attachmentUrl, key, seq: (sent.message as { seq: number }).seq };
}

async function setup() {
  const attachments = new MemoryAttachments();
  const h = createChatHarness({ attachments });
  const alice = await h.connect('alice');
  const bob = await h.connect('bob');
  const room = await h.createRoom(alice, 'r', ['bob']);
  return { h, alice, bob, room, attachments };
}

describe('attachments', () => {
  it('createUpload signs a PUT under the room prefix with a safe name, lower-cased type and exact size', async () => {
    const { h, alice, room, attachments } = await setup();
    const ack = await h.ack(alice, 'createUpload', {
      roomId: room.roomId,
      contentType: 'Image/JPEG',
      size: 1234,
      fileName: '../../etc/passwd .jpg',
    });
    const key = (ack.attachmentUrl as string).slice('attachment:'.length);
    expect(key).toMatch(new RegExp(`^rooms/${room.roomId}/[0-9a-f-]{36}/etc_passwd_.jpg$`));
    expect(attachments.signed).toEqual([`PUT ${key} image/jpeg 1234`]);
    expect(ack).toMatchObject({
      uploadUrl: `https://bucket.test/${key}?put`,
      expiresAt: new Date(900_000).toISOString(),
    });
  });

  it('refuses types and sizes the config does not allow, and non-members, signing nothing', async () => {
    const { h, alice, room, attachments } = await setup();
    const roomId = room.roomId;
    expect(await h.request(alice, 'createUpload', { roomId, contentType: 'video/mp4', size: 1 })).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('contentType: "video/mp4" is not allowed'),
    });
    expect(
      await h.request(alice, 'createUpload', { roomId, contentType: 'image/png', size: 25 * 1024 * 1024 + 1 }),
    ).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'size: must be at most 26214400 bytes (25 MB)' });
    const eve = await h.connect('eve');
    expect(await h.request(eve, 'createUpload', { roomId, contentType: 'image/png', size: 1 })).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(attachments.signed).toEqual([]);
  });

  it('sendMessage takes a reference of its room once uploaded, marks it sent; getAttachmentUrl signs a GET', async () => {
    const { h, alice, bob, room, attachments } = await setup();
    const roomId = room.roomId;
    const upload = await h.ack(alice, 'createUpload', { roomId, contentType: 'image/png', size: 3 });
    const attachmentUrl = upload.attachmentUrl as string;
    const key = attachmentUrl.slice('attachment:'.length);
    const send = { roomId, clientMessageId: 'p', content: 'pic', messageType: 'image', attachmentUrl };
    expect(await h.request(alice, 'sendMessage', send)).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^attachmentUrl: no file was uploaded/),
    });
    expect(h.stores.dump().messages).toEqual([]);
    attachments.uploaded.add(key);
    await h.ack(alice, 'sendMessage', send);
    expect(attachments.sent).toEqual(new Set([key]));
    const link = await h.ack(bob, 'getAttachmentUrl', { roomId, attachmentUrl });
    expect(link.url).toBe(`https://bucket.test/${key}?get`);

    const other = await h.createRoom(alice, 'other', ['bob']);
    for (const action of ['sendMessage', 'getAttachmentUrl']) {
      expect(
        await h.request(bob, action, { ...send, clientMessageId: `x-${action}`, roomId: other.roomId }),
      ).toMatchObject({ code: 'BAD_REQUEST', message: 'attachmentUrl: an attachment of another room' });
    }
  });

  it("deleteMessage removes the message's file once; getAttachmentUrl then answers NOT_FOUND", async () => {
    const setupDone = await setup();
    const { h, alice, bob, attachments } = setupDone;
    const { roomId, attachmentUrl, key, seq } = await sendWithFile(setupDone);
    await h.ack(alice, 'editMessage', { roomId, seq, content: 'pic, edited' });
    // Someone else's message is not theirs to delete: nothing is removed.
    expect(await h.request(bob, 'deleteMessage', { roomId, seq })).toMatchObject({ code: 'FORBIDDEN' });
    expect(attachments.removals).toEqual([]);
    expect((await h.ack(bob, 'getAttachmentUrl', { roomId, attachmentUrl })).url).toContain(key);

    await h.ack(alice, 'deleteMessage', { roomId, seq });
    expect(attachments.removals).toEqual([key]);
    expect(attachments.uploaded.has(key)).toBe(false);
    const signedBefore = attachments.signed.length;
    expect(await h.request(bob, 'getAttachmentUrl', { roomId, attachmentUrl })).toMatchObject({
      code: 'NOT_FOUND',
      message: 'attachmentUrl: the file is gone (its message was deleted) or was never uploaded',
    });
    expect(attachments.signed).toHaveLength(signedBefore);
    // A repeated delete changes nothing and asks for no second removal; the reference cannot be sent again.
    await h.ack(alice, 'deleteMessage', { roomId, seq });
    expect(attachments.removals).toEqual([key]);
    expect(
      await h.request(alice, 'sendMessage', { roomId, clientMessageId: 'again', content: 'x', attachmentUrl }),
    ).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^attachmentUrl: no file was uploaded/) });
  });

  it('a message with a link or no attachment removes nothing', async () => {
    const { h, alice, room, attachments } = await setup();
    const roomId = room.roomId;
    const link = { roomId, clientMessageId: 'l', content: 'see', attachmentUrl: 'https://example.com/a.png' };
    const linked = await h.ack(alice, 'sendMessage', link);
    const plain = await h.ack(alice, 'sendMessage', { roomId, clientMessageId: 'n', content: 'hi' });
    for (const sent of [linked, plain]) {
      await h.ack(alice, 'deleteMessage', { roomId, seq: (sent.message as { seq: number }).seq });
    }
    expect(attachments.removals).toEqual([]);
  });

  it('a failed removal still deletes the message: logged, counted, and the file marked unsent', async () => {
    const setupDone = await setup();
    const { h, alice, attachments } = setupDone;
    const { roomId, key, seq } = await sendWithFile(setupDone);
    attachments.failRemovals = true;
    const ack = await h.ack(alice, 'deleteMessage', { roomId, seq });
    expect(ack.message).toMatchObject({ seq, deleted: true, content: '' });
    expect(ack.change).toMatchObject({ kind: 'delete', changeOf: seq });
    expect(attachments.removals).toEqual([key]);
    expect(h.metrics.total('AttachmentRemovalFailures')).toBe(1);
    expect(attachments.unsentAgain).toEqual(new Set([key]));
    expect(h.logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: "removing a deleted message's file failed: it is left to the lifecycle rule",
        extra: expect.objectContaining({ roomId, seq, key }),
      }),
    );
  });

  it('without an attachment bucket both actions are refused', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const room = await h.createRoom(alice, 'r');
    expect(
      await h.request(alice, 'createUpload', { roomId: room.roomId, contentType: 'image/png', size: 1 }),
    ).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'uploads are not enabled on this backend (no attachment bucket)',
    });
  });
});
