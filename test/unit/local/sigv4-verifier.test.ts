// The local management API's signature check against the AWS Signature Version 4 test suite's vanilla requests
// (fixed date, example credentials), so it is measured against AWS's published signatures, not only against the
// signer it shares its code with.
import { describe, expect, it } from 'vitest';
import { createSigV4Verifier, type SignedRequest } from '../../../local/sigv4-verifier.js';

const SIGNED_AT = Date.UTC(2015, 7, 30, 12, 36, 0);
const verify = createSigV4Verifier({
  region: 'us-east-1',
  service: 'service',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  now: () => SIGNED_AT,
});

const vanilla = (method: string, signature: string): SignedRequest => ({
  method,
  url: '/',
  headers: {
    host: 'example.amazonaws.com',
    'x-amz-date': '20150830T123600Z',
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
  },
  body: Buffer.alloc(0),
});

const GET_VANILLA = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
const POST_VANILLA = '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b';

describe('createSigV4Verifier', () => {
  it("accepts the test suite's get-vanilla and post-vanilla requests with their published signatures", async () => {
    await expect(verify(vanilla('GET', GET_VANILLA))).resolves.toEqual({ valid: true });
    await expect(verify(vanilla('POST', POST_VANILLA))).resolves.toEqual({ valid: true });
  });

  it('refuses the same requests with one thing changed', async () => {
    const refused = { valid: false, missing: false, reason: expect.any(String) };
    // Another method under the same signature.
    await expect(verify(vanilla('POST', GET_VANILLA))).resolves.toEqual(refused);
    // Another path.
    await expect(verify({ ...vanilla('GET', GET_VANILLA), url: '/other' })).resolves.toEqual(refused);
    // A body the signature did not cover.
    await expect(verify({ ...vanilla('GET', GET_VANILLA), body: Buffer.from('x') })).resolves.toEqual(refused);
    // One hex digit of the signature.
    await expect(verify(vanilla('GET', `${GET_VANILLA.slice(0, -1)}0`))).resolves.toEqual(refused);
  });

  it('refuses a missing Authorization, a foreign region or service, a stale date, and unsigned host', async () => {
    const request = vanilla('GET', GET_VANILLA);
    await expect(verify({ ...request, headers: { ...request.headers, authorization: undefined } })).resolves.toEqual({
      valid: false,
      missing: true,
      reason: 'Missing Authentication Token',
    });
    const withAuthorization = (authorization: string) => ({
      ...request,
      headers: { ...request.headers, authorization },
    });
    const auth = request.headers.authorization!;
    for (const changed of [
      auth.replace('/us-east-1/', '/eu-west-1/'),
      auth.replace('/service/', '/execute-api/'),
      auth.replace('SignedHeaders=host;x-amz-date', 'SignedHeaders=x-amz-date'),
      'Bearer something',
    ]) {
      await expect(verify(withAuthorization(changed))).resolves.toMatchObject({ valid: false, missing: false });
    }
    const late = createSigV4Verifier({
      region: 'us-east-1',
      service: 'service',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      now: () => SIGNED_AT + 16 * 60_000,
    });
    await expect(late(request)).resolves.toEqual({ valid: false, missing: false, reason: 'Signature expired' });
  });
});
