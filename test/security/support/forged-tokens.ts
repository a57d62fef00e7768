// Tokens an attacker could bring to the handshake: unsigned, signed with the wrong algorithm or key, altered after
// signing, or genuine but for the wrong audience, issuer, use or time.
import { createHmac, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { signRs256 } from '../../../local/dev-token-issuer.js';

export interface DecodedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

export function decodeToken(token: string): DecodedToken {
  const [header, payload, signature] = token.split('.');
  const parse = (part: string | undefined) =>
    JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: parse(header), payload: parse(payload), signature: signature ?? '' };
}

export function unsigned(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${encode({ ...header, alg: 'none' })}.${encode(payload)}.`;
}

/** HS256 with `secret` as the HMAC key: the algorithm-confusion attack when the secret is the public key. */
export function hs256(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string | Buffer,
): string {
  const input = `${encode({ ...header, alg: 'HS256' })}.${encode(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function foreignKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

export function rs256(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  return signRs256({ ...header, alg: 'RS256' }, payload, key);
}

/** The payload swapped, header and signature kept. */
export function tampered(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const original = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${header}.${encode({ ...original, ...changes })}.${signature}`;
}

/** The stack's public key as PEM, the secret an algorithm-confusion attacker would use. */
export function publicKeyPem(jwk: JsonWebKey): string {
  return createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({
    type: 'spki',
    format: 'pem',
  }) as string;
}
