// The local stack's own HTTP endpoints: health, dev tokens (checked by decoding them), the issuer's keys and the
// demo page's static files.
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { useStack } from './support/stack-fixture.js';

function decodeJwt(token: string) {
  const [header, payload, signature] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>,
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature!, 'base64url'),
  };
}

/** exp is ttl seconds after the moment of minting; iat is that moment in whole seconds (exp may carry a fraction). */
function expectLifetime(payload: Record<string, unknown>, ttlS: number): void {
  const issuedAt = (payload.exp as number) - ttlS;
  expect(issuedAt).toBeGreaterThanOrEqual(payload.iat as number);
  expect(issuedAt).toBeLessThan((payload.iat as number) + 1);
}

describe('HTTP endpoints', () => {
  const s = useStack();

  it('GET /healthz answers 200 while the stack runs', async () => {
    const response = await fetch(`${s.stack.httpUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /dev/token mints a Cognito-shaped RS256 ID token that the issuer JWKS verifies', async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await fetch(
      `${s.stack.httpUrl}/dev/token?sub=alice-1&name=${encodeURIComponent('Alice Ä')}&ttl=120`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { token: string; expiresAt: string };
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'token']);

    const { header, payload, signingInput, signature } = decodeJwt(body.token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(header.kid).toEqual(expect.any(String));
    expect(payload).toMatchObject({
      sub: 'alice-1',
      name: 'Alice Ä',
      iss: `${s.stack.httpUrl}/local-issuer`,
      aud: 'local-chat-client',
      token_use: 'id',
    });
    const iat = payload.iat as number;
    const exp = payload.exp as number;
    expect(iat).toBeGreaterThanOrEqual(before);
    expectLifetime(payload, 120);
    expect(new Date(body.expiresAt).getTime()).toBe(Math.round(exp * 1000));
    expect(body.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // The issuer's published JWKS holds the key that signed it.
    const jwks = (await (await fetch(`${s.stack.httpUrl}/local-issuer/.well-known/jwks.json`)).json()) as {
      keys: JsonWebKey[];
    };
    const jwk = jwks.keys.find((key) => (key as { kid?: string }).kid === header.kid);
    expect(jwk).toBeDefined();
    expect(jwk).not.toHaveProperty('d');
    const publicKey = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    expect(verify('RSA-SHA256', Buffer.from(signingInput), publicKey, signature)).toBe(true);
  });

  it('GET /dev/token defaults ttl to 3600 seconds and leaves out an empty name', async () => {
    const body = (await (await fetch(`${s.stack.httpUrl}/dev/token?sub=bob&name=`)).json()) as { token: string };
    const { payload } = decodeJwt(body.token);
    expectLifetime(payload, 3600);
    expect(payload).not.toHaveProperty('name');
  });

  it.each([
    ['sub', ''],
    ['sub', '?name=x'],
    ['sub', '?sub='],
    ['sub', `?sub=${'x'.repeat(129)}`],
    ['sub', '?sub=a%0Ab'],
    ['ttl', '?sub=a&ttl=0'],
    ['ttl', '?sub=a&ttl=86401'],
    ['ttl', '?sub=a&ttl=abc'],
    ['ttl', '?sub=a&ttl=1.5'],
    ['ttl', '?sub=a&ttl=-5'],
    ['name', `?sub=a&name=${'n'.repeat(257)}`],
  ])('GET /dev/token answers 400 naming %s for %s', async (parameter, query) => {
    const response = await fetch(`${s.stack.httpUrl}/dev/token${query}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { parameter: string; message: string };
    expect(body.parameter).toBe(parameter);
    expect(body.message).toMatch(new RegExp(`^${parameter}:`));
  });

  it('accepts the extreme ttls 1 and 86400', async () => {
    for (const ttl of [1, 86400]) {
      const response = await fetch(`${s.stack.httpUrl}/dev/token?sub=edge&ttl=${ttl}`);
      expect(response.status).toBe(200);
      const { payload } = decodeJwt(((await response.json()) as { token: string }).token);
      expectLifetime(payload, ttl);
    }
  });

  it('answers 404 for unknown paths and 405 for a wrong method on a known one', async () => {
    expect((await fetch(`${s.stack.httpUrl}/nope`)).status).toBe(404);
    expect((await fetch(`${s.stack.httpUrl}/dev/token?sub=a`, { method: 'POST' })).status).toBe(405);
  });
});

describe('static files of the demo page', () => {
  let stack: LocalStack;
  let publicDir: string;

  beforeAll(async () => {
    publicDir = await mkdtemp(join(tmpdir(), 'local-stack-public-'));
    await mkdir(join(publicDir, 'vendor'));
    await writeFile(join(publicDir, 'index.html'), '<!doctype html><title>demo</title>');
    await writeFile(join(publicDir, 'app.js'), 'console.log("demo");');
    await writeFile(join(publicDir, 'vendor', 'style.css'), 'body{}');
    stack = await startLocalStack({ port: 0, dataDir: null, publicDir });
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(publicDir, { recursive: true, force: true });
  });

  it.each([
    ['/', 'text/html; charset=utf-8', '<!doctype html><title>demo</title>'],
    ['/index.html', 'text/html; charset=utf-8', '<!doctype html><title>demo</title>'],
    ['/app.js', 'text/javascript; charset=utf-8', 'console.log("demo");'],
    ['/vendor/style.css', 'text/css; charset=utf-8', 'body{}'],
  ])('GET %s serves the file with its content type', async (path, contentType, body) => {
    const response = await fetch(`${stack.httpUrl}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(await response.text()).toBe(body);
  });

  it('serves nothing outside the folder, however the path is spelled', async () => {
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/vendor/%2e%2e/%2e%2e/package.json',
      '/..%2fpackage.json',
    ]) {
      const response = await fetch(`${stack.httpUrl}${path}`);
      expect(response.status, path).toBe(404);
    }
    expect((await fetch(`${stack.httpUrl}/missing.js`)).status).toBe(404);
  });

  it('serves a placeholder page when the folder is missing', async () => {
    const bare = await startLocalStack({ port: 0, dataDir: null, publicDir: join(publicDir, 'does-not-exist') });
    try {
      const response = await fetch(`${bare.httpUrl}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain('/dev/token');
    } finally {
      await bare.stop();
    }
  });
});
