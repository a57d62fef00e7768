// The token verifier with the real aws-jwt-verify, tokens from the real dev issuer, and hand-made attack tokens.
import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import net from 'node:net';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuthConfig } from '../../../lambdas/adapters/config.js';
import {
  createTokenVerifier,
  displayNameOf,
  TokenRejectedError,
  type TokenVerifier,
} from '../../../lambdas/adapters/jwt-verifier.js';
import { createDevTokenIssuer, signRs256, type DevTokenIssuer } from '../../../local/dev-token-issuer.js';

const ISSUER = 'http://127.0.0.1:8080/dev-issuer';
const AUDIENCE = 'local-chat-client';

let issuer: DevTokenIssuer;
let auth: AuthConfig;
let kid: string;

beforeAll(async () => {
  issuer = await createDevTokenIssuer({ issuer: ISSUER, audience: AUDIENCE });
  auth = { mode: 'local', issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks };
  kid = (issuer.jwks.keys[0] as { kid: string }).kid;
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowS = () => Math.floor(Date.now() / 1000);
const validClaims = () => ({
  sub: 'user-1',
  iss: ISSUER,
  aud: AUDIENCE,
  token_use: 'id',
  iat: nowS(),
  exp: nowS() + 600,
});

/** A verifier whose JWKS fetcher records every call; the local verifier must never call it. */
function spiedVerifier(): { verifier: TokenVerifier; fetches: string[] } {
  const fetches: string[] = [];
  const verifier = createTokenVerifier(auth, {
    fetcher: {
      fetch(uri: string) {
        fetches.push(uri);
        return Promise.reject(new Error('no network in this test'));
      },
    },
  });
  return { verifier, fetches };
}

async function rejectionOf(verifier: TokenVerifier, token: string): Promise<TokenRejectedError> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenRejectedError);
  return error as TokenRejectedError;
}

describe('createTokenVerifier (local mode, real aws-jwt-verify)', () => {
  it('accepts a dev token and reads the user id and display name from it', async () => {
    const verifier = createTokenVerifier(auth);
    const { token } = issuer.mint({ sub: 'user-42', name: 'Ada Lovelace' });
    await expect(verifier.verify(token)).resolves.toEqual({ userId: 'user-42', displayName: 'Ada Lovelace' });
  });

  it('falls back from name to preferred_username to cognito:username to sub', async () => {
    const verifier = createTokenVerifier(auth);
    const preferred = issuer.mint({ sub: 'u1', preferred_username: 'ada', 'cognito:username': 'ada-cognito' }).token;
    expect((await verifier.verify(preferred)).displayName).toBe('ada');
    const cognitoName = issuer.mint({ sub: 'u2', 'cognito:username': 'grace' }).token;
    expect((await verifier.verify(cognitoName)).displayName).toBe('grace');
    const subOnly = issuer.mint({ sub: 'u3', 'cognito:username': undefined }).token;
    expect((await verifier.verify(subOnly)).displayName).toBe('u3');
  });

  it('cuts a display name longer than the protocol allows, without splitting characters', () => {
    const name = '😀'.repeat(70);
    const displayName = displayNameOf({ sub: 's', name } as never);
    expect(Array.from(displayName)).toHaveLength(64);
    expect(displayName).toBe('😀'.repeat(64));
  });

  it('honours the ttl exactly: valid at expiresAt, refused one millisecond later (no clock tolerance)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00.123Z'));
    const verifier = createTokenVerifier(auth);
    const { token, expiresAt } = issuer.mint({ sub: 'user-ttl', ttlS: 5 });
    expect(expiresAt).toBe('2030-01-01T00:00:05.123Z');

    vi.setSystemTime(new Date('2030-01-01T00:00:05.123Z'));
    await expect(verifier.verify(token)).resolves.toMatchObject({ userId: 'user-ttl' });

    vi.setSystemTime(new Date('2030-01-01T00:00:05.124Z'));
    expect((await rejectionOf(verifier, token)).reason).toBe('JwtExpiredError');
  });

  it('refuses an expired token', async () => {
    const { token } = issuer.mint({ sub: 'u', exp: nowS() - 1 });
    expect((await rejectionOf(createTokenVerifier(auth), token)).reason).toBe('JwtExpiredError');
  });

  it('refuses a token whose nbf is in the future', async () => {
    const { token } = issuer.mint({ sub: 'u', nbf: nowS() + 60 });
    expect((await rejectionOf(createTokenVerifier(auth), token)).reason).toBe('JwtNotBeforeError');
  });

  it('refuses a token without exp (aws-jwt-verify alone would accept it)', async () => {
    const { token } = issuer.mint({ sub: 'u', exp: undefined });
    expect((await rejectionOf(createTokenVerifier(auth), token)).reason).toBe('MissingExpiry');
  });

  it('refuses a wrong issuer, a wrong audience and a token that is not an ID token', async () => {
    const verifier = createTokenVerifier(auth);
    expect((await rejectionOf(verifier, issuer.mint({ sub: 'u', iss: 'https://evil.example' }).token)).reason).toBe(
      'JwtInvalidIssuerError',
    );
    expect((await rejectionOf(verifier, issuer.mint({ sub: 'u', aud: 'another-client' }).token)).reason).toBe(
      'JwtInvalidAudienceError',
    );
    expect((await rejectionOf(verifier, issuer.mint({ sub: 'u', token_use: 'access' }).token)).reason).toBe(
      'NotAnIdToken',
    );
  });

  it('refuses a subject that is not a protocol id', async () => {
    const verifier = createTokenVerifier(auth);
    expect((await rejectionOf(verifier, issuer.mint({ sub: 'a\nb' }).token)).reason).toBe('InvalidSubject');
    expect((await rejectionOf(verifier, issuer.mint({ sub: 'x'.repeat(129) }).token)).reason).toBe('InvalidSubject');
  });

  it('refuses alg "none" with an empty signature', async () => {
    const token = `${b64({ alg: 'none', kid, typ: 'JWT' })}.${b64(validClaims())}.`;
    await rejectionOf(createTokenVerifier(auth), token);
  });

  it('refuses HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    const publicPem = createPublicKey({ key: issuer.jwks.keys[0] as never, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    const signingInput = `${b64({ alg: 'HS256', kid, typ: 'JWT' })}.${b64(validClaims())}`;
    const signature = createHmac('sha256', publicPem).update(signingInput).digest('base64url');
    const rejection = await rejectionOf(createTokenVerifier(auth), `${signingInput}.${signature}`);
    expect(rejection.reason).toBe('JwtInvalidSignatureAlgorithmError');
  });

  it('refuses a token signed by a foreign RSA key that claims the same kid', async () => {
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const token = signRs256({ alg: 'RS256', kid, typ: 'JWT' }, validClaims(), foreign);
    expect((await rejectionOf(createTokenVerifier(auth), token)).reason).toBe('JwtInvalidSignatureError');
  });

  it('refuses a genuine token whose payload was tampered with', async () => {
    const [header, , signature] = issuer.mint({ sub: 'user-1' }).token.split('.');
    const forged = `${header}.${b64({ ...validClaims(), sub: 'admin' })}.${signature}`;
    expect((await rejectionOf(createTokenVerifier(auth), forged)).reason).toBe('JwtInvalidSignatureError');
  });

  it('refuses garbage and an empty string', async () => {
    const verifier = createTokenVerifier(auth);
    expect((await rejectionOf(verifier, 'not-a-jwt')).reason).toBe('JwtParseError');
    expect((await rejectionOf(verifier, '')).reason).toBe('JwtParseError');
  });

  it('refuses an unknown kid without any network attempt', async () => {
    const connects = vi.spyOn(net.Socket.prototype, 'connect');
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const token = signRs256({ alg: 'RS256', kid: 'some-other-kid', typ: 'JWT' }, validClaims(), foreign);

    const defaultVerifier = createTokenVerifier(auth);
    expect((await rejectionOf(defaultVerifier, token)).reason).toBe('JwksFetchRefusedError');
    // Twice: a second unknown kid is refused the same way (no penalty box state, no fetch).
    expect((await rejectionOf(defaultVerifier, token)).reason).toBe('JwksFetchRefusedError');
    expect(connects).not.toHaveBeenCalled();
  });

  it('verifies known kids from the cache alone, and sends an unknown kid only to the configured fetcher', async () => {
    const { verifier, fetches } = spiedVerifier();
    await verifier.verify(issuer.mint({ sub: 'u' }).token);
    expect(fetches).toEqual([]);
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await rejectionOf(verifier, signRs256({ alg: 'RS256', kid: 'unknown', typ: 'JWT' }, validClaims(), foreign));
    // The cache key is an https URI under the issuer; the default fetcher (previous test) refuses instead of fetching.
    expect(fetches).toEqual(['https://127.0.0.1:8080/dev-issuer/.well-known/jwks.json']);
  });

  it('refuses a token from a second dev issuer (another key, same issuer and audience)', async () => {
    const other = await createDevTokenIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const rejection = await rejectionOf(createTokenVerifier(auth), other.mint({ sub: 'u' }).token);
    // Its kid is the thumbprint of another key: unknown here, so refused without a fetch.
    expect(rejection.reason).toBe('JwksFetchRefusedError');
  });
});

describe('createTokenVerifier (cognito mode)', () => {
  it('runs the same checks: an unknown kid fails through the configured fetcher, a dev token is refused', async () => {
    const fetches: string[] = [];
    const verifier = createTokenVerifier(
      { mode: 'cognito', userPoolId: 'eu-west-1_TestPool1', clientId: 'client-1' },
      {
        fetcher: {
          fetch(uri: string) {
            fetches.push(uri);
            return Promise.resolve(new TextEncoder().encode(JSON.stringify(issuer.jwks)).buffer as ArrayBuffer);
          },
        },
      },
    );
    const cognitoIssuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1';
    // A token shaped like Cognito's, signed by the key the (stubbed) JWKS endpoint serves: accepted.
    const good = issuer.mint({ sub: 'cog-user', name: 'Cog', iss: cognitoIssuer, aud: 'client-1' }).token;
    await expect(verifier.verify(good)).resolves.toEqual({ userId: 'cog-user', displayName: 'Cog' });
    expect(fetches).toEqual([`${cognitoIssuer}/.well-known/jwks.json`]);

    const wrongClient = issuer.mint({ sub: 'u', iss: cognitoIssuer, aud: 'client-2' }).token;
    expect((await rejectionOf(verifier, wrongClient)).reason).toBe('CognitoJwtInvalidClientIdError');
    const accessToken = issuer.mint({ sub: 'u', iss: cognitoIssuer, aud: 'client-1', token_use: 'access' }).token;
    expect((await rejectionOf(verifier, accessToken)).reason).toMatch(/TokenUse|NotAnIdToken/);
    const localToken = issuer.mint({ sub: 'u' }).token;
    await rejectionOf(verifier, localToken);
  });
});
