// Attachments through the SDK against the real local stack: uploadFile, sendMessage with the reference, and the
// other member reading the same bytes back through getAttachmentUrl.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MessageEvent } from '../../client/src/index.js';
import { ChatError } from '../../client/src/index.js';
import { record, useLocalStack, waitFor } from './local-stack-fixture.js';

describe('ChatClient attachments', () => {
  const local = useLocalStack();

  it('uploads a file, sends it, and the other member reads it back byte for byte', async () => {
    const { alice, bob, roomId } = await local.pair();
    const received = record(bob.client, 'message');
    const bytes = randomBytes(100_000);
    const attachmentUrl = await alice.client.uploadFile(roomId, new Uint8Array(bytes), {
      contentType: 'application/pdf',
      fileName: 'minutes.pdf',
    });
    expect(attachmentUrl).toMatch(/^attachment:rooms\/.+\/minutes\.pdf$/);
    const sent = await alice.client.sendMessage(roomId, 'the minutes', { messageType: 'file', attachmentUrl });
    expect(sent.attachmentUrl).toBe(attachmentUrl);

    await waitFor(() => received.length === 1, 'bob gets the message');
    const message = (received[0] as MessageEvent).message;
    const { url, expiresAt } = await bob.client.getAttachmentUrl(roomId, message.attachmentUrl!);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    const download = await fetch(url);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('rejects a refused type or size with the server error naming the field, before anything is uploaded', async () => {
    const { alice, roomId } = await local.pair();
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => error as ChatError,
      );
    const type = await refusal(alice.client.uploadFile(roomId, new Uint8Array(3), { contentType: 'text/html' }));
    expect(type).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^contentType: /) });
    expect(type).toBeInstanceOf(ChatError);
    const size = await refusal(
      alice.client.createUpload(roomId, { contentType: 'image/png', size: 25 * 1024 * 1024 + 1 }),
    );
    expect(size).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/^size: /) });
  });
});
