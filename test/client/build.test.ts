// `npm run build`: the SDK as an ESM bundle with declarations, free of Node built-ins and of zod, usable as built.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../client/src/index.js';
import { startStackFixture, uniqueUserId, type StackFixture } from './local-stack-fixture.js';

const run = promisify(execFile);

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('the built SDK', () => {
  let out: string;
  let fixture: StackFixture;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'chat-client-build-'));
    [fixture] = await Promise.all([
      startStackFixture(),
      run(process.execPath, ['client/build.mjs', '--out', out], { cwd: process.cwd() }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await fixture?.stop();
    await rm(out, { recursive: true, force: true });
  });

  it('is one ESM file without imports: no Node built-ins, no zod', async () => {
    for (const bundle of [join(out, 'dist/index.js'), join(out, 'vendor/chat-client.js')]) {
      const code = await readFile(bundle, 'utf8');
      expect(code).toMatch(/export\s*\{[^}]*ChatClient/);
      expect(code).not.toMatch(/^\s*import\s/m);
      expect(code).not.toMatch(/require\(|['"]node:|zod\//);
    }
  });

  it('ships declarations that name the protocol types and not zod', async () => {
    expect(await readFile(join(out, 'dist/index.d.ts'), 'utf8')).toContain('./types/client/src/index.js');
    const declarations = await filesBelow(join(out, 'dist/types'));
    expect(declarations.some((f) => f.endsWith('client/src/chat-client.d.ts'))).toBe(true);
    expect(declarations.some((f) => f.endsWith('lambdas/protocol/objects.d.ts'))).toBe(true);
    for (const file of declarations) expect(await readFile(file, 'utf8'), file).not.toMatch(/from ['"]zod/);
    const client = await readFile(
      declarations.find((f) => f.endsWith('chat-client.d.ts'))!,
      'utf8',
    );
    expect(client).toContain('sendMessage(roomId: string, content: string');
  });

  it('works as built: connects to the local stack from Node with ws', async () => {
    const sdk = (await import(pathToFileURL(join(out, 'dist/index.js')).href)) as typeof Sdk;
    const userId = uniqueUserId('built');
    const client = new sdk.ChatClient({
      url: fixture.stack.wsUrl,
      WebSocket: WebSocket as unknown as Sdk.WebSocketConstructor,
      getToken: () => fixture.stack.issuer.mint({ sub: userId, name: 'Built' }).token,
    });
    await client.connect();
    expect(client.user).toMatchObject({ userId, displayName: 'Built' });
    const room = await client.createRoom('from the bundle');
    const message = await client.sendMessage(room.roomId, 'hello from dist');
    expect(message).toMatchObject({ seq: 1, content: 'hello from dist', senderId: userId });
    client.close();
  });
});
