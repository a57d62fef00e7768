// The attachment bucket through SigV4 query signatures (presigned requests), made with the AWS SDK's own signer
// (@smithy/signature-v4). Clients PUT and GET with them directly; the backend's calls of its own (marking an upload
// sent: DeleteObjectTagging; checking a file is there: HeadObject; removing a deleted message's file: DeleteObject)
// are presigned requests too, sent with the SDK's Node HTTP handler. The S3 client itself is not used: it would more
// than double the message function's bundle for these few request shapes.
// Content-Type and Content-Length are signed headers of the upload, so S3 refuses any other type or size.
import { createHash } from 'node:crypto';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Hash } from '@smithy/hash-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AttachmentStorage, SignedRequest } from '../chat/ports.js';
import { UNSENT_TAGGING, UNSENT_TAGGING_DOCUMENT } from './attachment-bucket.js';

export interface S3AttachmentOptions {
  /**
   * The bucket's base URL: https://<bucket>.s3.<region>.amazonaws.com on AWS (virtual-hosted), or a path-style base
   * such as http://127.0.0.1:8080/s3/<bucket> (the local stack).
   */
  bucketUrl: string;
  region: string;
  /** Else the environment's (the function's role session on Lambda). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  now?: () => number;
}

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const OWN_REQUEST_TTL_S = 60;

/** A key's URL path: each segment URI-encoded (keys hold '%' from the encoded room id). */
export const encodeKeyPath = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/** The query string of a signed request, RFC 3986 encoded as SigV4's canonical query is. */
export function queryString(query: Record<string, string | string[] | null>): string {
  return Object.entries(query)
    .map(([name, value]) => {
      const encoded = encodeURIComponent(name);
      return value === '' || value === null ? encoded : `${encoded}=${encodeURIComponent(String(value))}`;
    })
    .join('&');
}

export function createS3Attachments(options: S3AttachmentOptions): AttachmentStorage {
  const base = new URL(options.bucketUrl.replace(/\/+$/, ''));
  const basePath = base.pathname === '/' ? '' : base.pathname;
  const now = options.now ?? Date.now;
  const signer = new SignatureV4({
    service: 's3',
    region: options.region,
    credentials: options.credentials ?? fromEnv(),
    sha256: Hash.bind(null, 'sha256'),
    // S3 signs the path as it travels: encoded once, never twice.
    uriEscapePath: false,
    applyChecksum: false,
  });
  const http = new NodeHttpHandler({ requestTimeout: 5_000, connectionTimeout: 3_000 });

  function requestFor(method: string, key: string, headers: Record<string, string> = {}, query = {}): HttpRequest {
    const port = base.port === '' ? undefined : Number(base.port);
    return new HttpRequest({
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      ...(port !== undefined && { port }),
      path: `${basePath}/${encodeKeyPath(key)}`,
      query,
      headers: { host: base.host, 'x-amz-content-sha256': UNSIGNED_PAYLOAD, ...headers },
    });
  }

  async function presign(request: HttpRequest, expiresInS: number, pinned: string[] = []) {
    const signingDate = new Date(now());
    const signed = await signer.presign(request, {
      signingDate,
      expiresIn: expiresInS,
      signableHeaders: new Set(pinned),
      // Sent as a header, as S3 requires for tagging on PUT; hoisted to the query it would be ignored.
      unhoistableHeaders: new Set(['x-amz-tagging']),
    });
    const url = `${base.protocol}//${base.host}${signed.path}?${queryString(signed.query ?? {})}`;
    return { signed, url, expiresAt: signingDate.getTime() + expiresInS * 1000 };
  }

  /** The backend's own request, presigned like the clients' and sent at once: its status. */
  async function send(method: string, key: string, query: Record<string, string> = {}, body?: string): Promise<number> {
    // A body goes with its MD5, signed (S3 wants a checksum of a tagging document).
    const headers: Record<string, string> =
      body === undefined
        ? {}
        : {
            'content-type': 'application/xml',
            'content-md5': createHash('md5').update(body).digest('base64'),
            'content-length': String(Buffer.byteLength(body)),
          };
    const { signed } = await presign(requestFor(method, key, headers, query), OWN_REQUEST_TTL_S, Object.keys(headers));
    const { response } = await http.handle(new HttpRequest({ ...signed, body }));
    // Drain the body so the socket is reused.
    (response.body as NodeJS.ReadableStream | undefined)?.resume?.();
    return response.statusCode;
  }

  return {
    async presignUpload(key, file, expiresInS): Promise<SignedRequest> {
      const headers = {
        'content-type': file.contentType,
        'content-length': String(file.size),
        'x-amz-tagging': UNSENT_TAGGING,
      };
      const { url, expiresAt } = await presign(requestFor('PUT', key, headers), expiresInS, Object.keys(headers));
      // Content-Length is sent by every HTTP client from the body (browsers refuse to set it): it must be `size`.
      return { url, headers: { 'Content-Type': file.contentType, 'x-amz-tagging': UNSENT_TAGGING }, expiresAt };
    },

    async presignDownload(key, expiresInS): Promise<SignedRequest> {
      const { url, expiresAt } = await presign(requestFor('GET', key), expiresInS);
      return { url, headers: {}, expiresAt };
    },

    async markSent(key) {
      const status = await send('DELETE', key, { tagging: '' });
      if (status === 204 || status === 200) return true;
      if (status === 404) return false;
      throw new Error(`markSent: the attachment bucket answered ${status}`);
    },

    async exists(key) {
      const status = await send('HEAD', key);
      if (status === 200) return true;
      // S3 answers a missing key with 403, not 404, to a role that may not list the bucket (this one may not), and a
      // HEAD carries no error code to tell that from a refused signature: either way no link is signed.
      if (status === 404 || status === 403) return false;
      throw new Error(`exists: the attachment bucket answered ${status}`);
    },

    async markUnsent(key) {
      const status = await send('PUT', key, { tagging: '' }, UNSENT_TAGGING_DOCUMENT);
      if (status === 200) return true;
      if (status === 404) return false;
      throw new Error(`markUnsent: the attachment bucket answered ${status}`);
    },

    async remove(key) {
      // S3 answers 204 whether or not an object was there: a repeated removal is done too.
      const status = await send('DELETE', key);
      if (status !== 204 && status !== 200) throw new Error(`remove: the attachment bucket answered ${status}`);
    },
  };
}
