// PROTOCOL.md "Connecting": who may open a connection, what a refused handshake looks like, and that a refused
// one writes nothing; plus the local stack's /healthz and /dev/token.
import { beforeAll, describe, expect } from 'vitest';
import { decodeJwt, signWithForeignKey, unsignedJwt, withTamperedPayload } from './support/jwt.js';
import { useLocalStack, type TestUser } from './support/local-stack-fixture.js';
import { sleep, type TestClient } from './support/test-client.js';
import { expectIsoTime } from './support/wire.js';

const local = useLocalStack();

/** Asserts that no profile exists for `userId`: naming it in openDirect is NOT_FOUND. */
async function expectNeverConnected(observer: TestClient, userId: string): Promise<void> {
  const reply = await observer.request('openDirect', { userId });
  expect(reply).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
}

describe('accepted handshakes', () => {
  local.it('accepts a token minted by the stack and identifies the user by its sub', async () => {
    const alice = local.user('alice');
    const client = await local.connect(alice);
    const hello = await client.ack('hello');
    expect(hello.user).toMatchObject({ userId: alice.userId, displayName: alice.name });
  });

  local.it('accepts a token from GET /dev/token, shaped like a Cognito ID token', async () => {
    const sub = local.user('dev').userId;
    const before = Date.now();
    const response = await fetch(
      `${local.stack.httpUrl}/dev/token?sub=${encodeURIComponent(sub)}&name=Dev%20User&ttl=120`,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { token: string; expiresAt: string };
    const { header, payload } = decodeJwt(body.token);
    expect(header).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    expect(payload).toMatchObject({
      sub,
      name: 'Dev User',
      token_use: 'id',
      iss: expect.any(String),
      aud: expect.any(String),
    });
    const expiresAt = expectIsoTime(body.expiresAt, before + 120_000, 3_000);
    expect(Math.abs((payload.exp as number) * 1000 - expiresAt)).toBeLessThan(1_000);

    const client = await local.open(local.urlWithToken(body.token), 'dev');
    const hello = await client.ack('hello');
    expect(hello.user).toMatchObject({ userId: sub, displayName: 'Dev User' });
  });

  local.it('answers GET /healthz with 200', async () => {
    const response = await fetch(`${local.stack.httpUrl}/healthz`);
    expect(response.status).toBe(200);
  });
});

describe('refused handshakes: HTTP 401 and nothing written', () => {
  let observer: TestClient;

  // Opened in beforeAll, so it lives across the cases of this block.
  beforeAll(async () => {
    observer = await local.connect(local.user('observer'));
  });

  const observe = async (): Promise<TestClient> => observer;

  // Each case builds a URL for a user that has never connected and names the users that must still not exist.
  const cases: Array<[string, (user: TestUser) => Promise<{ url: string; userIds: string[] }>]> = [
    ['no token', async (user) => ({ url: `${local.stack.wsUrl}/`, userIds: [user.userId] })],
    ['an empty token', async (user) => ({ url: `${local.stack.wsUrl}/?token=`, userIds: [user.userId] })],
    ['a garbage token', async (user) => ({ url: local.urlWithToken('garbage'), userIds: [user.userId] })],
    ['three garbage parts', async (user) => ({ url: local.urlWithToken('abc.def.ghi'), userIds: [user.userId] })],
    [
      'a token with its signature cut off',
      async (user) => {
        const token = await local.token(user);
        return { url: local.urlWithToken(token.slice(0, token.lastIndexOf('.') + 1)), userIds: [user.userId] };
      },
    ],
    [
      'an expired token',
      async (user) => {
        const minted = await local.stack.issuer.mint({ sub: user.userId, name: user.name, ttlS: 1 });
        const { payload } = decodeJwt(minted.token);
        // No clock tolerance: one whole second past exp is surely expired.
        await sleep(Math.max(0, (payload.exp as number) * 1000 + 1_100 - Date.now()));
        return { url: local.urlWithToken(minted.token), userIds: [user.userId] };
      },
    ],
    [
      "a token for another audience, signed by the stack's own key",
      async (user) => ({
        url: local.urlWithToken(await local.token(user, { aud: 'some-other-client' })),
        userIds: [user.userId],
      }),
    ],
    [
      "a token from another issuer, signed by the stack's own key",
      async (user) => ({
        url: local.urlWithToken(await local.token(user, { iss: 'https://issuer.example.com/elsewhere' })),
        userIds: [user.userId],
      }),
    ],
    [
      'a token whose payload was changed after signing',
      async (user) => {
        const forged = local.user('forged');
        const token = withTamperedPayload(await local.token(user), { sub: forged.userId, name: forged.name });
        return { url: local.urlWithToken(token), userIds: [user.userId, forged.userId] };
      },
    ],
    [
      'a token signed by a foreign key with the same kid',
      async (user) => {
        const { header, payload } = decodeJwt(await local.token(user));
        return { url: local.urlWithToken(signWithForeignKey(header, payload)), userIds: [user.userId] };
      },
    ],
    [
      'an unsigned token (alg none)',
      async (user) => {
        const { header, payload } = decodeJwt(await local.token(user));
        return { url: local.urlWithToken(unsignedJwt(header, payload)), userIds: [user.userId] };
      },
    ],
    [
      'an unsigned token (alg none) with the original signature kept',
      async (user) => {
        const token = await local.token(user);
        const { header, payload, signature } = decodeJwt(token);
        return { url: local.urlWithToken(unsignedJwt(header, payload) + signature), userIds: [user.userId] };
      },
    ],
  ];

  local.each(cases)('refuses %s', async (_name, build) => {
    const user = local.user('refused');
    const { url, userIds } = await build(user);
    expect(await local.refusal(url)).toBe(401);
    const watcher = await observe();
    for (const userId of userIds) await expectNeverConnected(watcher, userId);
  });

  local.it(
    'still accepts a genuine token for the same kind of user (the cases above fail for their flaw alone)',
    async () => {
      const watcher = await observe();
      const user = local.user('genuine');
      const client = await local.connect(user);
      await client.ack('ping');
      const direct = await watcher.ack('openDirect', { userId: user.userId });
      expect(direct.room).toMatchObject({ kind: 'direct' });
    },
  );
});

describe('display name from the token', () => {
  // PROTOCOL.md: the name claim, else preferred_username, else cognito:username, else sub.
  const cases: Array<[string, Record<string, unknown>, (user: TestUser) => string]> = [
    ['name wins over the others', { preferred_username: 'pref', 'cognito:username': 'cog' }, (u) => u.name],
    [
      'preferred_username without name',
      { name: undefined, preferred_username: 'pref', 'cognito:username': 'cog' },
      () => 'pref',
    ],
    [
      'cognito:username without name or preferred_username',
      { name: undefined, 'cognito:username': 'cog' },
      () => 'cog',
    ],
    ['sub when no name claim at all', { name: undefined, 'cognito:username': undefined }, (u) => u.userId],
  ];

  local.each(cases)('%s', async (_name, claims, expected) => {
    const user = local.user('named');
    const token = await local.token(user, claims);
    // The token must carry exactly the claims under test, or this case would test the issuer instead.
    const { payload } = decodeJwt(token);
    for (const [claim, value] of Object.entries(claims)) expect(payload[claim]).toBe(value);

    const client = await local.open(local.urlWithToken(token), 'named');
    const hello = await client.ack('hello');
    expect(hello.user).toMatchObject({ userId: user.userId, displayName: expected(user) });
  });
});
