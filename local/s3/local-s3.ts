// An S3 emulation for the attachment bucket, on the local stack's own HTTP port with path-style URLs:
// /s3/<bucket>/<key>. It serves what the backend signs and nothing else: PUT (an upload), GET (a download), and the
// backend's own DELETE ?tagging (marking an upload sent), HEAD (is the file there), DELETE (a deleted message's
// file) and PUT ?tagging (marking it unsent again), each only with a valid SigV4 query signature that has not
// expired (presigned-check.ts), uploads no larger than the stack allows. Objects live in memory, or as files in the
// stack's data folder (one file for the bytes, one for the content type and tags), so they outlive a restart.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { readBody } from '../http-util.js';
import { checkPresigned, parseQuery, type Credentials } from './presigned-check.js';

export const S3_PATH_PREFIX = '/s3/';

interface StoredObject {
  contentType: string;
  tags: string;
  body: Buffer;
}

export interface LocalS3Options {
  bucket: string;
  region: string;
  credentials: Credentials;
  /** The largest object accepted (the stack's upload limit). */
  maxObjectBytes: number;
  /** Where objects are kept; in memory without one. */
  dataDir?: string;
  now?: () => number;
}

export interface LocalS3 {
  /** The bucket's base URL for the signer, e.g. http://127.0.0.1:8080/s3/chat-attachments. */
  bucketUrl(httpUrl: string): string;
  /** Serves the request if it is one of the bucket's; false otherwise. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /** The tags of a stored object, undefined when none is (tests: an upload is marked unsent until it is sent). */
  tagsOf(key: string): Promise<string | undefined>;
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  response.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

const MAX_TAGGING_BYTES = 8 * 1024;

/** A tagging document's tags as the x-amz-tagging header writes them: key=value&... (URL-encoded). */
function tagsOfDocument(xml: string): string {
  const tags = [...xml.matchAll(/<Tag>\s*<Key>([^<]*)<\/Key>\s*<Value>([^<]*)<\/Value>\s*<\/Tag>/g)];
  return tags.map(([, key, value]) => `${encodeURIComponent(key!)}=${encodeURIComponent(value!)}`).join('&');
}

/** GET's and HEAD's headers: S3 tells how many tags an object has. */
function headersOf(object: StoredObject): Record<string, string | number> {
  const tagCount = object.tags === '' ? 0 : object.tags.split('&').length;
  return {
    'Content-Type': object.contentType,
    'Content-Length': object.body.length,
    ...(tagCount > 0 && { 'x-amz-tagging-count': tagCount }),
  };
}

export function createLocalS3(options: LocalS3Options): LocalS3 {
  const now = options.now ?? Date.now;
  const memory = new Map<string, StoredObject>();
  const folder = options.dataDir && join(options.dataDir, 'attachments', options.bucket);
  const fileOf = (key: string) => join(folder!, createHash('sha256').update(key).digest('hex'));

  async function load(key: string): Promise<StoredObject | undefined> {
    if (!folder) return memory.get(key);
    try {
      const meta = JSON.parse(await readFile(`${fileOf(key)}.json`, 'utf8')) as Omit<StoredObject, 'body'>;
      return { ...meta, body: await readFile(fileOf(key)) };
    } catch {
      return undefined;
    }
  }

  async function save(key: string, object: StoredObject): Promise<void> {
    if (!folder) {
      memory.set(key, object);
      return;
    }
    await mkdir(folder, { recursive: true });
    await writeFile(fileOf(key), object.body);
    await writeFile(`${fileOf(key)}.json`, JSON.stringify({ key, contentType: object.contentType, tags: object.tags }));
  }

  async function remove(key: string): Promise<void> {
    if (!folder) {
      memory.delete(key);
      return;
    }
    await rm(fileOf(key), { force: true });
    await rm(`${fileOf(key)}.json`, { force: true });
  }

  async function putTagging(request: IncomingMessage, response: ServerResponse, key: string): Promise<void> {
    const { body, tooLarge } = await readBody(request, MAX_TAGGING_BYTES);
    const md5 = request.headers['content-md5'];
    if (tooLarge || md5 !== createHash('md5').update(body).digest('base64')) {
      sendError(response, 400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
      return;
    }
    const object = await load(key);
    if (!object) {
      sendError(response, 404, 'NoSuchKey', 'The specified key does not exist.');
      return;
    }
    await save(key, { ...object, tags: tagsOfDocument(body.toString('utf8')) });
    response.writeHead(200, { 'Content-Length': 0 });
    response.end();
  }

  const bucketPrefix = `${S3_PATH_PREFIX}${options.bucket}/`;

  return {
    bucketUrl: (httpUrl) => `${httpUrl}${S3_PATH_PREFIX}${options.bucket}`,
    tagsOf: async (key) => (await load(key))?.tags,

    async handle(request, response) {
      const rawUrl = request.url ?? '/';
      const queryAt = rawUrl.indexOf('?');
      const rawPath = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
      if (!rawPath.startsWith(S3_PATH_PREFIX)) return false;
      if (!rawPath.startsWith(bucketPrefix) || rawPath.length === bucketPrefix.length) {
        sendError(response, 404, 'NoSuchBucket', 'The specified bucket does not exist');
        return true;
      }
      let key: string;
      let query: Map<string, string>;
      try {
        key = rawPath.slice(bucketPrefix.length).split('/').map(decodeURIComponent).join('/');
        query = parseQuery(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1));
      } catch {
        sendError(response, 400, 'InvalidURI', 'Could not parse the specified URI');
        return true;
      }
      const check = await checkPresigned(request, rawPath, query, options.credentials, options.region, now());
      if (!check.ok) {
        request.resume();
        sendError(response, check.status, check.code, check.message);
        return true;
      }
      switch (request.method) {
        case 'PUT': {
          if (query.has('tagging')) {
            await putTagging(request, response, key);
            return true;
          }
          const declared = Number(request.headers['content-length']);
          if (!Number.isSafeInteger(declared) || declared > options.maxObjectBytes) {
            request.resume();
            sendError(response, 400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
            return true;
          }
          const { body, tooLarge } = await readBody(request, options.maxObjectBytes);
          if (tooLarge || body.length !== declared) {
            sendError(response, 400, 'IncompleteBody', 'The body does not match the Content-Length');
            return true;
          }
          const tags = String(request.headers['x-amz-tagging'] ?? '');
          await save(key, {
            contentType: String(request.headers['content-type'] ?? 'binary/octet-stream'),
            tags,
            body,
          });
          response.writeHead(200, { ETag: `"${createHash('md5').update(body).digest('hex')}"`, 'Content-Length': 0 });
          response.end();
          return true;
        }
        case 'GET': {
          const object = await load(key);
          if (!object) {
            sendError(response, 404, 'NoSuchKey', 'The specified key does not exist.');
            return true;
          }
          response.writeHead(200, headersOf(object));
          response.end(object.body);
          return true;
        }
        case 'HEAD': {
          const object = await load(key);
          response.writeHead(object ? 200 : 404, object ? headersOf(object) : {});
          response.end();
          return true;
        }
        case 'DELETE': {
          request.resume();
          if (!query.has('tagging')) {
            // DeleteObject: 204 whether or not the key held an object, as S3 answers.
            await remove(key);
            response.writeHead(204);
            response.end();
            return true;
          }
          const object = await load(key);
          if (!object) {
            sendError(response, 404, 'NoSuchKey', 'The specified key does not exist.');
            return true;
          }
          await save(key, { ...object, tags: '' });
          response.writeHead(204);
          response.end();
          return true;
        }
        default:
          request.resume();
          sendError(response, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
          return true;
      }
    },
  };
}
