import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { SigningSha256 } from '../../../lambdas/adapters/signing-sha256.js';

const hashNode = Hash.bind(null, 'sha256');

async function digestHex(
  hash: { update(data: string | Uint8Array): void; digest(): Promise<Uint8Array> },
  parts: (string | Uint8Array)[],
) {
  for (const part of parts) hash.update(part);
  return Buffer.from(await hash.digest()).toString('hex');
}

function signer(sha256: typeof SigningSha256 | typeof hashNode, secretAccessKey: string, sessionToken?: string) {
  return new SignatureV4({
    service: 'execute-api',
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey, ...(sessionToken && { sessionToken }) },
    sha256,
    uriEscapePath: true,
    applyChecksum: true,
  });
}

function request(connectionId: string, body: string): HttpRequest {
  return new HttpRequest({
    protocol: 'https:',
    hostname: 'abc123.execute-api.eu-west-1.amazonaws.com',
    method: 'POST',
    path: `/prod/@connections/${encodeURIComponent(connectionId)}`,
    headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'content-type': 'application/octet-stream' },
    body,
  });
}

describe('SigningSha256', () => {
  it('hashes and HMACs as @smithy/hash-node does, for string, byte and empty secrets and inputs', async () => {
    const secrets = [
      undefined,
      '',
      'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      Buffer.from('bytes-secret'),
      new Uint8Array([0, 1, 2, 255]),
    ];
    const inputs: (string | Uint8Array)[][] = [
      [],
      ['x'],
      ['héllo ', 'wörld'],
      [new Uint8Array([1, 2, 3]), 'z'.repeat(5000)],
    ];
    for (const secret of secrets) {
      for (const parts of inputs) {
        expect(await digestHex(new SigningSha256(secret), parts)).toBe(await digestHex(new hashNode(secret), parts));
      }
    }
  });

  it('gives the same result when used again after reset, and for many keys in turn', async () => {
    const hash = new SigningSha256('key-one');
    hash.update('first');
    await hash.digest();
    hash.reset();
    expect(await digestHex(hash, ['second'])).toBe(await digestHex(new hashNode('key-one'), ['second']));
    // More string secrets than it keeps KeyObjects for: each still HMACs under its own key.
    for (let i = 0; i < 10; i += 1) {
      expect(await digestHex(new SigningSha256(`key-${i}`), ['m'])).toBe(
        await digestHex(new hashNode(`key-${i}`), ['m']),
      );
    }
  });

  it('makes SignatureV4 sign every request exactly as it signs with @smithy/hash-node', async () => {
    const signingDate = new Date('2026-12-03T10:00:00Z');
    for (const [secret, token] of [
      ['secret-a', undefined],
      ['secret-b', 'session-token'],
      ['secret-a', undefined],
    ] as const) {
      const fast = signer(SigningSha256, secret, token);
      const reference = signer(hashNode, secret, token);
      for (const [connectionId, body] of [
        ['abc=', '{"type":"message"}'],
        ['x/y+z=', 'ü'.repeat(100)],
        ['q', ''],
      ]) {
        const a = await fast.sign(request(connectionId, body), { signingDate });
        const b = await reference.sign(request(connectionId, body), { signingDate });
        expect(a.headers.authorization).toBe(b.headers.authorization);
        expect(a.headers.authorization).toMatch(/Signature=[0-9a-f]{64}$/);
      }
    }
  });

  it('signs differently under another secret (the KeyObject cache is per secret)', async () => {
    const signingDate = new Date('2026-12-03T10:00:00Z');
    const one = await signer(SigningSha256, 'secret-one').sign(request('c', 'b'), { signingDate });
    const two = await signer(SigningSha256, 'secret-two').sign(request('c', 'b'), { signingDate });
    expect(one.headers.authorization).not.toBe(two.headers.authorization);
  });
});
