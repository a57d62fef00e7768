// The local stack's identity provider: RS256 ID tokens shaped like Cognito's, signed with a key of its own, so the
// very same aws-jwt-verify code path that checks Cognito tokens on AWS checks these (against this JWKS, loaded with
// cacheJwks: nothing is fetched).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface DevTokenClaims {
  sub: string;
  name?: string;
  /** Seconds from now to exp; 1 to 86400, default 3600. Honoured to the millisecond (exp may be fractional). */
  ttlS?: number;
  /** Added last, so a test can override any standard claim (an expired exp, a foreign aud, ...). */
  [extra: string]: unknown;
}

export interface DevTokenIssuer {
  /** Public keys only (RS256, with kid). */
  jwks: { keys: JsonWebKey[] };
  mint(claims: DevTokenClaims): { token: string; expiresAt: string };
}

export const DEV_TOKEN_DEFAULT_TTL_S = 3_600;
export const DEV_TOKEN_MAX_TTL_S = 86_400;

export async function createDevTokenIssuer(opts: {
  issuer: string;
  audience: string;
  /** Where the private key (PKCS#8 PEM) is kept, so tokens outlive a restart of the stack. */
  keyFile?: string;
}): Promise<DevTokenIssuer> {
  const privateKey = opts.keyFile ? await loadOrCreateKey(opts.keyFile) : newPrivateKey();
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JsonWebKey;
  const kid = jwkThumbprint(publicJwk);
  const jwks = {
    keys: [{ kty: publicJwk.kty, n: publicJwk.n, e: publicJwk.e, kid, alg: 'RS256', use: 'sig' } as JsonWebKey],
  };

  function mint(claims: DevTokenClaims): { token: string; expiresAt: string } {
    const { sub, name, ttlS = DEV_TOKEN_DEFAULT_TTL_S, ...extra } = claims;
    if (typeof sub !== 'string' || sub === '') throw new TypeError('sub: a non-empty string is required');
    if (!Number.isFinite(ttlS) || ttlS < 1 || ttlS > DEV_TOKEN_MAX_TTL_S) {
      throw new RangeError(`ttlS: must be from 1 to ${DEV_TOKEN_MAX_TTL_S} seconds`);
    }
    const issuedAtMs = Date.now();
    const expiresAtMs = issuedAtMs + Math.round(ttlS * 1000);
    const payload: Record<string, unknown> = {
      sub,
      ...(name !== undefined ? { name } : {}),
      iss: opts.issuer,
      aud: opts.audience,
      token_use: 'id',
      iat: Math.floor(issuedAtMs / 1000),
      // Fractional on purpose: a NumericDate may carry fractions (RFC 7519), and this way the token lives exactly
      // ttl seconds, neither up to a second less nor more than the caller asked.
      exp: expiresAtMs / 1000,
      auth_time: Math.floor(issuedAtMs / 1000),
      'cognito:username': sub,
      ...extra,
    };
    const token = signRs256({ alg: 'RS256', kid, typ: 'JWT' }, payload, privateKey);
    const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : expiresAtMs;
    return { token, expiresAt: new Date(exp).toISOString() };
  }

  return { jwks, mint };
}

/** A compact JWS (RS256): exported so tests can sign hand-made headers and payloads with any key. */
export function signRs256(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput), key);
  return `${signingInput}.${signature.toString('base64url')}`;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function newPrivateKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

async function loadOrCreateKey(keyFile: string): Promise<KeyObject> {
  try {
    return createPrivateKey(await readFile(keyFile, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`keyFile ${keyFile}: cannot read the dev token signing key (${(error as Error).message})`);
    }
  }
  const key = newPrivateKey();
  await mkdir(dirname(keyFile), { recursive: true });
  const pem = key.export({ format: 'pem', type: 'pkcs8' }) as string;
  try {
    // 'wx': never overwrite a key another process wrote meanwhile (its tokens would stop verifying).
    await writeFile(keyFile, pem, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return createPrivateKey(await readFile(keyFile, 'utf8'));
    throw error;
  }
}

/** RFC 7638 thumbprint: a kid that changes exactly when the key does. */
function jwkThumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}
