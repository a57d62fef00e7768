// The local S3 emulation keeping objects as files in the stack's data folder: what the backend's own requests do to
// them (marking sent, checking, marking unsent again, removing) holds after a restart, with the real signer.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Attachments } from '../../../lambdas/adapters/s3-attachments.js';
import { createLocalS3 } from '../../../local/s3/local-s3.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startBucket(dataDir: string) {
  const bucket = createLocalS3({ bucket: 'b', region: 'us-east-1', credentials, maxObjectBytes: 1024, dataDir });
  const server: Server = createServer((request, response) => void bucket.handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  const bucketUrl = bucket.bucketUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return { bucket, signer: createS3Attachments({ bucketUrl, region: 'us-east-1', credentials }) };
}

describe('local S3 with a data folder', () => {
  it('removes both files of an object, and the removal outlives a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'local-s3-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const { signer } = await startBucket(dataDir);
    const key = 'rooms/r/1/a.png';
    const upload = await signer.presignUpload(key, { contentType: 'image/png', size: 3 }, 60);
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array([1, 2, 3]) });
    expect(put.status).toBe(200);
    expect(await signer.markSent(key)).toBe(true);
    expect(await signer.markUnsent(key)).toBe(true);

    const restarted = await startBucket(dataDir);
    expect(await restarted.bucket.tagsOf(key)).toBe('chat-upload=unsent');
    expect(await restarted.signer.exists(key)).toBe(true);
    await restarted.signer.remove(key);
    expect(await readdir(join(dataDir, 'attachments', 'b'))).toEqual([]);
    expect(await (await startBucket(dataDir)).signer.exists(key)).toBe(false);
  });
});
