// Hand-made JWTs for the refused-handshake tests: tokens the stack must not accept although they look right.
import { generateKeyPairSync, sign } from 'node:crypto';

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
}

const toBase64Url = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const fromBase64Url = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

export function decodeJwt(token: string): DecodedJwt {
  const [header, payload, signature] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined) throw new Error('not a JWT');
  return { header: fromBase64Url(header), payload: fromBase64Url(payload), signature };
}

/** Keeps the header and the signature but swaps the payload: the signature no longer matches. */
export function withTamperedPayload(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  return `${header}.${toBase64Url({ ...fromBase64Url(payload!), ...changes })}.${signature}`;
}

/** Signs header and payload with a freshly made RSA key the stack has never seen (the header may reuse its kid). */
export function signWithForeignKey(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingInput = `${toBase64Url(header)}.${toBase64Url(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput), privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

/** An unsecured JWT (alg "none", empty signature). */
export function unsignedJwt(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${toBase64Url({ ...header, alg: 'none' })}.${toBase64Url(payload)}.`;
}
