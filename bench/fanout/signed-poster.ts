// A Notifier that posts to @connections with node:http and a hand-made SigV4 signature: no SDK middleware stack.
// It exists only to measure what the management API client's per-call overhead costs a fan-out (section 5): the
// same posts, the same keep-alive sockets and concurrency, the same signature work API Gateway requires.
import { createHash, createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { Notifier, PostResult } from '../../lambdas/chat/ports.js';

const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest();
const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export interface SignedPosterOptions {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxSockets?: number;
}

export function createSignedPoster(options: SignedPosterOptions): Notifier & { destroy(): void } {
  const url = new URL(options.endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 50 });
  const basePath = url.pathname.replace(/\/$/, '');
  let signingKey: { day: string; key: Buffer } | undefined;

  function keyFor(day: string): Buffer {
    if (signingKey?.day !== day) {
      const dateKey = hmac(`AWS4${options.credentials.secretAccessKey}`, day);
      signingKey = { day, key: hmac(hmac(hmac(dateKey, options.region), 'execute-api'), 'aws4_request') };
    }
    return signingKey.key;
  }

  function send(method: 'POST' | 'GET' | 'DELETE', connectionId: string, body: Buffer): Promise<number> {
    const path = `${basePath}/@connections/${encodeURIComponent(connectionId)}`;
    const amzDate = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const payloadHash = sha256Hex(body);
    const canonicalHeaders = `host:${url.host}\nx-amz-content-sha256:${payloadHash}\nx-amz-date:${amzDate}\n`;
    const signedHeaders = 'host;x-amz-content-sha256;x-amz-date';
    const canonicalRequest = `${method}\n${path}\n\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;
    const scope = `${day}/${options.region}/execute-api/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = createHmac('sha256', keyFor(day)).update(stringToSign, 'utf8').digest('hex');
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'x-amz-date': amzDate,
            'x-amz-content-sha256': payloadHash,
            authorization: `AWS4-HMAC-SHA256 Credential=${options.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  return {
    async post(connectionId: string, payload: string): Promise<PostResult> {
      const status = await send('POST', connectionId, Buffer.from(payload, 'utf8'));
      if (status === 410) return 'gone';
      if (status < 200 || status > 299) throw new Error(`post to ${connectionId}: HTTP ${status}`);
      return 'delivered';
    },
    async isOpen(connectionId: string): Promise<boolean> {
      const status = await send('GET', connectionId, Buffer.alloc(0));
      if (status === 410) return false;
      if (status < 200 || status > 299) throw new Error(`get ${connectionId}: HTTP ${status}`);
      return true;
    },
    async close(connectionId: string): Promise<void> {
      await send('DELETE', connectionId, Buffer.alloc(0));
    },
    destroy() {
      agent.destroy();
    },
  };
}
