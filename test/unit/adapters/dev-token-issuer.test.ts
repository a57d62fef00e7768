import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDevTokenIssuer } from '../../../local/dev-token-issuer.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('createDevTokenIssuer', () => {
  it("mints RS256 ID tokens shaped like Cognito's, with a kid its public JWKS carries", async () => {
    const issuer = await createDevTokenIssuer({ issuer: 'http://127.0.0.1:8080', audience: 'local-client' });
    const before = Date.now();
    const { token, expiresAt } = issuer.mint({ sub: 'user-1', name: 'Ada', ttlS: 120 });
    const [header, payload, signature] = token.split('.');
    const jwk = issuer.jwks.keys[0] as JsonWebKey & { kid: string; use: string };

    expect(decode(header!)).toEqual({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' });
    const claims = decode(payload!);
    expect(claims).toMatchObject({
      sub: 'user-1',
      name: 'Ada',
      iss: 'http://127.0.0.1:8080',
      aud: 'local-client',
      token_use: 'id',
      'cognito:username': 'user-1',
    });
    expect(Number.isInteger(claims.iat) && Number.isInteger(claims.auth_time)).toBe(true);
    expect(claims.exp * 1000).toBe(Date.parse(expiresAt));
    expect(Date.parse(expiresAt) - before).toBeGreaterThanOrEqual(120_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(120_000);
    expect(signature!.length).toBeGreaterThan(300); // 2048-bit RSA: 256 bytes of signature

    expect(issuer.jwks.keys).toHaveLength(1);
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(Buffer.from(jwk.n!, 'base64url')).toHaveLength(256);
    expect(jwk).not.toHaveProperty('d');
  });

  it('defaults the ttl to an hour and refuses one out of range', async () => {
    const issuer = await createDevTokenIssuer({ issuer: 'i', audience: 'a' });
    const { expiresAt } = issuer.mint({ sub: 'u' });
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(3_599_000);
    expect(() => issuer.mint({ sub: 'u', ttlS: 0 })).toThrow(/ttlS/);
    expect(() => issuer.mint({ sub: 'u', ttlS: 86_401 })).toThrow(/ttlS/);
    expect(() => issuer.mint({ sub: '' })).toThrow(/sub/);
  });

  it('keeps its private key in keyFile (mode 0600), so a restarted issuer has the same key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dev-issuer-'));
    dirs.push(dir);
    const keyFile = join(dir, 'nested', 'dev-signing-key.pem');
    const first = await createDevTokenIssuer({ issuer: 'i', audience: 'a', keyFile });
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    const second = await createDevTokenIssuer({ issuer: 'i', audience: 'a', keyFile });
    expect(second.jwks).toEqual(first.jwks);
    const other = await createDevTokenIssuer({ issuer: 'i', audience: 'a' });
    expect(other.jwks.keys[0]).not.toEqual(first.jwks.keys[0]);
  });

  it('names the key file it cannot read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dev-issuer-'));
    dirs.push(dir);
    // A directory where the key file should be: present, but not a key.
    await expect(createDevTokenIssuer({ issuer: 'i', audience: 'a', keyFile: dir })).rejects.toThrow(dir);
  });
});
