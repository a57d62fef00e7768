// Verifies the ID token a client connects with. On AWS: Cognito's tokens, keys fetched from the user pool's JWKS.
// On the local stack: the dev issuer's tokens, keys loaded with cacheJwks and never fetched. Both run the same
// aws-jwt-verify checks (signature, alg from the JWK, iss, aud, exp/nbf without grace) plus the same claim checks
// below, so a token the local stack accepts has passed the code path AWS runs.
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  ParameterValidationError,
} from 'aws-jwt-verify/error';
import { SimpleJwksCache, type Jwks } from 'aws-jwt-verify/jwk';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import { LIMITS } from '../protocol/limits.js';
import type { AuthConfig } from './config.js';

export interface VerifiedIdentity {
  userId: string;
  displayName: string;
}

export interface TokenVerifier {
  /** Resolves with the caller's identity, or rejects with a TokenRejectedError for any token it does not accept. */
  verify(token: string): Promise<VerifiedIdentity>;
}

/** The token was refused. `reason` names the check (aws-jwt-verify's error name); the token is never included. */
export class TokenRejectedError extends Error {
  constructor(readonly reason: string) {
    super(`token rejected: ${reason}`);
    this.name = 'TokenRejectedError';
  }
}

/** Thrown by the local key cache instead of fetching: the local issuer's keys are all known up front. */
export class JwksFetchRefusedError extends Error {
  constructor() {
    super('JWKS fetch refused: this verifier only knows the keys it was configured with');
    this.name = 'JwksFetchRefusedError';
  }
}

// Exact expiry and not-before: dev tokens promise their ttl "honoured exactly", and Cognito's clocks are good.
const GRACE_SECONDS = 0;
// Cognito signs ID tokens with RS256; nothing else (none, HS256 with a public key as secret, ...) is accepted.
const SIGNING_ALGORITHM = 'RS256';
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export function createTokenVerifier(
  auth: AuthConfig,
  options: { fetcher?: { fetch(uri: string): Promise<ArrayBuffer> } } = {},
): TokenVerifier {
  let verify: (token: string) => Promise<JwtPayload>;
  if (auth.mode === 'cognito') {
    const verifier = CognitoJwtVerifier.create(
      {
        userPoolId: auth.userPoolId,
        clientId: auth.clientId,
        tokenUse: 'id',
        graceSeconds: GRACE_SECONDS,
        customJwtCheck: checkIdTokenClaims,
      },
      options.fetcher ? { jwksCache: new SimpleJwksCache({ fetcher: options.fetcher }) } : undefined,
    );
    verify = (token) => verifier.verify(token);
  } else {
    const verifier = JwtVerifier.create(
      {
        issuer: auth.issuer,
        audience: auth.audience,
        jwksUri: localJwksUri(auth.issuer),
        graceSeconds: GRACE_SECONDS,
        customJwtCheck: checkIdTokenClaims,
      },
      { jwksCache: new SimpleJwksCache({ fetcher: options.fetcher ?? refusingFetcher }) },
    );
    verifier.cacheJwks(auth.jwks as unknown as Jwks);
    verify = (token) => verifier.verify(token);
  }
  return {
    async verify(token: string): Promise<VerifiedIdentity> {
      let payload: JwtPayload;
      try {
        payload = await verify(token);
      } catch (error) {
        throw new TokenRejectedError(reasonOf(error));
      }
      return identityOf(payload);
    },
  };
}

// aws-jwt-verify's errors do not set `name`, and bundling minifies class names: label them by class, explicitly.
const REASONS: ReadonlyArray<readonly [abstract new (...args: never[]) => Error, string]> = [
  [JwtExpiredError, 'JwtExpiredError'],
  [JwtNotBeforeError, 'JwtNotBeforeError'],
  [JwtInvalidIssuerError, 'JwtInvalidIssuerError'],
  [JwtInvalidAudienceError, 'JwtInvalidAudienceError'],
  [JwtInvalidSignatureAlgorithmError, 'JwtInvalidSignatureAlgorithmError'],
  [JwtInvalidSignatureError, 'JwtInvalidSignatureError'],
  [JwtWithoutValidKidError, 'JwtWithoutValidKidError'],
  [KidNotFoundInJwksError, 'KidNotFoundInJwksError'],
  [CognitoJwtInvalidClientIdError, 'CognitoJwtInvalidClientIdError'],
  [CognitoJwtInvalidTokenUseError, 'CognitoJwtInvalidTokenUseError'],
  [JwtParseError, 'JwtParseError'],
  // An issuer that is not configured (the Cognito verifier looks its config up by the token's iss).
  [ParameterValidationError, 'UnexpectedIssuer'],
];

function reasonOf(error: unknown): string {
  for (const [type, reason] of REASONS) if (error instanceof type) return reason;
  // Our own checks and the refusing fetcher name their errors with string literals.
  if (error instanceof Error && error.name !== 'Error') return error.name;
  return 'InvalidToken';
}

/** The display name rule of the protocol: name, else preferred_username, else cognito:username, else sub. */
export function displayNameOf(payload: JwtPayload): string {
  for (const claim of ['name', 'preferred_username', 'cognito:username', 'sub']) {
    const value = payload[claim];
    if (typeof value === 'string' && value.trim() !== '') {
      // The profile's name is bounded by the protocol; a long IdP name is cut, not refused.
      return Array.from(value.trim()).slice(0, LIMITS.displayNameMaxLength).join('');
    }
  }
  return String(payload.sub);
}

function identityOf(payload: JwtPayload): VerifiedIdentity {
  return { userId: payload.sub as string, displayName: displayNameOf(payload) };
}

/** Runs inside aws-jwt-verify after the signature, iss, aud, exp and nbf checks passed. */
function checkIdTokenClaims({ header, payload }: { header: JwtHeader; payload: JwtPayload }): void {
  if (header.alg !== SIGNING_ALGORITHM) throw new ClaimCheckError('alg', 'UnexpectedSigningAlgorithm');
  if (payload.token_use !== 'id') throw new ClaimCheckError('token_use', 'NotAnIdToken');
  // aws-jwt-verify accepts a token without exp; a token that never expires is not one we hand a connection to.
  if (typeof payload.exp !== 'number') throw new ClaimCheckError('exp', 'MissingExpiry');
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > LIMITS.idMaxLength || CONTROL_CHARACTERS.test(sub)) {
    throw new ClaimCheckError('sub', 'InvalidSubject');
  }
}

class ClaimCheckError extends Error {
  constructor(claim: string, name: string) {
    super(`${claim}: not acceptable`);
    this.name = name;
  }
}

const refusingFetcher = {
  fetch(): Promise<ArrayBuffer> {
    return Promise.reject(new JwksFetchRefusedError());
  },
};

/** A cache key for the local keys; never fetched (https, as aws-jwt-verify's own fetcher would insist). */
function localJwksUri(issuer: string): string {
  try {
    const url = new URL(issuer);
    url.protocol = 'https:';
    url.pathname = `${url.pathname.replace(/\/$/, '')}/.well-known/jwks.json`;
    url.search = '';
    url.hash = '';
    return url.href;
  } catch {
    return `https://local-issuer.invalid/${encodeURIComponent(issuer)}/.well-known/jwks.json`;
  }
}
