// Checks a SigV4 query signature (a presigned S3 request) the way S3 does: the same canonical request rebuilt from
// what arrived, signed again with the secret key of the access key it names (the SDK's own signer does the HMACs),
// compared in constant time; then the expiry. Every header it lists as signed must have arrived with the value
// that was signed, which is what pins an upload's Content-Type and Content-Length.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export type CheckResult =
  | { ok: true }
  | {
      ok: false;
      status: 403 | 400;
      code: 'AccessDenied' | 'SignatureDoesNotMatch' | 'AuthorizationQueryParametersError';
      message: string;
    };

const refuse = (code: 'AccessDenied' | 'SignatureDoesNotMatch', message: string): CheckResult => ({
  ok: false,
  status: 403,
  code,
  message,
});

/** 20261203T091500Z → epoch ms. */
function parseAmzDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h, mi, s);
}

/** Every query parameter as it arrived (decoded), in order; a name without '=' has the value ''. */
export function parseQuery(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = decodeURIComponent(equals === -1 ? part : part.slice(0, equals));
    params.set(name, equals === -1 ? '' : decodeURIComponent(part.slice(equals + 1)));
  }
  return params;
}

export async function checkPresigned(
  request: Pick<IncomingMessage, 'method' | 'headers'>,
  rawPath: string,
  query: Map<string, string>,
  credentials: Credentials,
  region: string,
  now: number,
): Promise<CheckResult> {
  const signature = query.get('X-Amz-Signature');
  const credential = query.get('X-Amz-Credential');
  const amzDate = query.get('X-Amz-Date');
  const expires = Number(query.get('X-Amz-Expires'));
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  if (!signature || !credential || !amzDate || !signedHeaders || query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
    return refuse('AccessDenied', 'Only presigned requests (SigV4 query parameters) are accepted');
  }
  const signedAt = parseAmzDate(amzDate);
  const [accessKeyId, , credentialRegion, service] = credential.split('/');
  if (signedAt === undefined || !Number.isInteger(expires) || expires < 1 || expires > 604_800) {
    return { ok: false, status: 400, code: 'AuthorizationQueryParametersError', message: 'X-Amz-Date / X-Amz-Expires' };
  }
  if (accessKeyId !== credentials.accessKeyId || credentialRegion !== region || service !== 's3') {
    return refuse('AccessDenied', "The access key, region or service of the signature is not this bucket's");
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) {
    const value = request.headers[name];
    if (value === undefined) return refuse('SignatureDoesNotMatch', `signed header ${name} missing`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const unsignedQuery: Record<string, string> = {};
  for (const [name, value] of query) if (name !== 'X-Amz-Signature') unsignedQuery[name] = value;
  const [hostname, port] = (headers.host ?? '').split(':');
  const rebuilt = new HttpRequest({
    method: request.method ?? 'GET',
    hostname: hostname ?? '',
    ...(port !== undefined && { port: Number(port) }),
    path: rawPath,
    query: unsignedQuery,
    headers: { ...headers, 'x-amz-content-sha256': query.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD' },
  });
  const signer = new SignatureV4({
    service: 's3',
    region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
    applyChecksum: false,
  });
  const again = await signer.presign(rebuilt, {
    signingDate: new Date(signedAt),
    expiresIn: expires,
    signableHeaders: new Set(Object.keys(headers)),
    unhoistableHeaders: new Set(Object.keys(headers).filter((name) => name.startsWith('x-amz-'))),
  });
  const expected = Buffer.from(String(again.query?.['X-Amz-Signature'] ?? ''));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return refuse(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided',
    );
  }
  if (now > signedAt + expires * 1000) return refuse('AccessDenied', 'Request has expired');
  return { ok: true };
}
