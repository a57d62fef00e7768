// Checks the SigV4 signature of a request to the local management API as API Gateway checks a call to @connections:
// the signature is computed again, with the SDK's own SignatureV4, from what arrived on the wire (method, path as
// sent, the headers the request says it signed, the body's SHA-256) and the secret key the local stack hands its
// handlers, and compared. A request signed with another secret, for another region or service, too far from now,
// or altered on the way (another connection id, another body) is refused, as on AWS.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface SigV4VerifierOptions {
  region: string;
  /** The one secret key the local stack's credentials use; any access key id signed with it is accepted. */
  secretAccessKey: string;
  service?: string;
  /** How far x-amz-date may be from now: API Gateway allows 15 minutes. */
  maxClockSkewMs?: number;
  now?: () => number;
}

export interface SignedRequest {
  method: string;
  /** The request target as received: path and query, still URL-encoded. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type SignatureCheck = { valid: true } | { valid: false; missing: boolean; reason: string };

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9-;]+), ?Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function createSigV4Verifier(
  options: SigV4VerifierOptions,
): (request: SignedRequest) => Promise<SignatureCheck> {
  const service = options.service ?? 'execute-api';
  const maxSkewMs = options.maxClockSkewMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const refuse = (reason: string): SignatureCheck => ({ valid: false, missing: false, reason });

  return async (request) => {
    const authorization = request.headers.authorization;
    if (!authorization) return { valid: false, missing: true, reason: 'Missing Authentication Token' };
    const match = AUTHORIZATION.exec(authorization);
    if (!match)
      return refuse('Authorization header is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...');
    const [, accessKeyId, day, region, signedService, signedHeaderList, signature] = match;
    if (region !== options.region) return refuse(`Credential should be scoped to a valid region, not '${region}'`);
    if (signedService !== service) return refuse(`Credential should be scoped to correct service: '${service}'`);

    const amzDate = headerText(request.headers['x-amz-date']);
    const date = amzDate === undefined ? undefined : parseAmzDate(amzDate);
    if (!date) return refuse('x-amz-date is missing or not yyyyMMddTHHmmssZ');
    if (amzDate!.slice(0, 8) !== day) return refuse('Credential date does not match x-amz-date');
    if (Math.abs(now() - date.getTime()) > maxSkewMs) return refuse('Signature expired');

    const names = signedHeaderList!.split(';');
    if (!names.includes('host')) return refuse("'Host' must be a signed header");
    const claimedHash = headerText(request.headers['x-amz-content-sha256']);
    if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(request.body).digest('hex')) {
      return refuse('The provided x-amz-content-sha256 header does not match what was computed');
    }

    const headers: Record<string, string> = {};
    for (const name of names) {
      const value = headerText(request.headers[name]);
      if (value === undefined) return refuse(`signed header '${name}' is missing`);
      headers[name] = value;
    }
    const sessionToken = headers['x-amz-security-token'];
    const signer = new SignatureV4({
      service,
      region: options.region,
      credentials: {
        accessKeyId: accessKeyId!,
        secretAccessKey: options.secretAccessKey,
        ...(sessionToken !== undefined && { sessionToken }),
      },
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: true,
      // The payload hash is the claimed header when signed (checked above), else the body's own.
      applyChecksum: false,
    });
    const target = new URL(request.url, 'http://local');
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(target.searchParams.keys())) {
      const values = target.searchParams.getAll(key);
      query[key] = values.length === 1 ? values[0]! : values;
    }
    const expected = await signer.sign(
      new HttpRequest({
        method: request.method,
        hostname: headers.host?.split(':')[0] ?? '',
        path: request.url.split('?')[0]!,
        query,
        headers,
        body: request.body,
      }),
      { signingDate: date, signableHeaders: new Set(names) },
    );
    const recomputed = /Signature=([0-9a-f]{64})$/.exec(String(expected.headers.authorization))?.[1] ?? '';
    const recomputedHeaders = /SignedHeaders=([^,]+),/.exec(String(expected.headers.authorization))?.[1];
    if (recomputedHeaders !== signedHeaderList || !sameText(recomputed, signature!)) {
      return refuse('The request signature we calculated does not match the signature you provided');
    }
    return { valid: true };
  };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAmzDate(text: string): Date | undefined {
  const parts = AMZ_DATE.exec(text);
  if (!parts) return undefined;
  const [, year, month, day, hour, minute, second] = parts.map(Number);
  const date = new Date(Date.UTC(year!, month! - 1, day, hour, minute, second));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function sameText(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
