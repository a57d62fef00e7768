// The demo page in headless Chromium (./chromium.ts): two users in two browser contexts chat through the SDK bundle,
// see each other typing and online, and scroll back through history. Screenshots land in test/artifacts/.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, type WebSocketConstructor } from '../../client/src/index.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { uniqueUserId } from '../client/local-stack-fixture.js';
import { launchChromium } from './chromium.js';

const run = promisify(execFile);
const ARTIFACTS = join(process.cwd(), 'test/artifacts');

describe('the demo page', () => {
  let stack: LocalStack;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // The page loads the SDK from local/public/vendor, which `npm run build` (and `npm start`) produce.
    await run(process.execPath, ['client/build.mjs', '--demo-only'], { cwd: process.cwd() });
    [stack, browser] = await Promise.all([
      startLocalStack({ port: 0, dataDir: null }),
      launchChromium(),
    ]);
    await mkdir(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function signIn(name: string, userId: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
    await page.goto(stack.httpUrl);
    await page.fill('#name-input', name);
    await page.fill('#user-id-input', userId);
    await page.click('#join-button');
    await page.locator('#my-id', { hasText: userId }).waitFor();
    await page.locator('#state[data-state="open"]').waitFor();
    return page;
  }

  const messageTexts = (page: Page) => page.locator('#message-list .message .content').allTextContents();

  it('lets two people create a room, chat, and see typing and presence', async () => {
    const aliceId = uniqueUserId('alice');
    const bobId = uniqueUserId('bob');
    const bob = await signIn('Bob', bobId);
    const alice = await signIn('Alice', aliceId);

    // Alice creates a room with Bob in it; it shows up on Bob's page by itself.
    await alice.fill('#new-room-name', 'Weekend plans');
    await alice.fill('#new-room-members', bobId);
    await alice.click('#create-room');
    await alice.locator('#room-name', { hasText: 'Weekend plans' }).waitFor();
    const bobsRoom = bob.locator('#room-list li', { hasText: 'Weekend plans' });
    await bobsRoom.waitFor();
    await bobsRoom.click();
    await bob.locator('#room-name', { hasText: 'Weekend plans' }).waitFor();

    // Presence: each sees the other online.
    await bob.locator(`#member-list li.online[data-user-id="${aliceId}"]`).waitFor();
    await alice.locator(`#member-list li.online[data-user-id="${bobId}"]`).waitFor();

    // Typing: Bob sees Alice typing before she sends.
    await alice.locator('#composer-input').pressSequentially('Hiking on Saturday?', { delay: 30 });
    await bob.locator('#typing', { hasText: 'Alice is typing…' }).waitFor();
    await bob.screenshot({ path: join(ARTIFACTS, 'demo-page-typing.png') });
    await alice.keyboard.press('Enter');
    await bob.locator('#message-list .message', { hasText: 'Hiking on Saturday?' }).waitFor();
    // Sending ends the indicator.
    await bob.locator('#typing', { hasText: /^$/ }).waitFor();

    await bob.locator('#composer-input').pressSequentially('Yes! <b>not bold</b> 🌲', { delay: 20 });
    await alice.locator('#typing', { hasText: 'Bob is typing…' }).waitFor();
    await bob.click('#send-button');
    await alice.locator('#message-list .message', { hasText: 'Yes!' }).waitFor();

    expect(await messageTexts(alice)).toEqual(['Hiking on Saturday?', 'Yes! <b>not bold</b> 🌲']);
    expect(await messageTexts(bob)).toEqual(['Hiking on Saturday?', 'Yes! <b>not bold</b> 🌲']);
    expect(await alice.locator('#message-list .message.own').count()).toBe(1);

    await alice.screenshot({ path: join(ARTIFACTS, 'demo-page-alice.png') });
    await bob.screenshot({ path: join(ARTIFACTS, 'demo-page-bob.png') });

    // Alice leaves: Bob's page shows her offline.
    await alice.context().close();
    await bob.locator(`#member-list li[data-user-id="${aliceId}"]:not(.online)`).waitFor();
    await bob.context().close();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('scrolls back through history with "Load older"', async () => {
    const carolId = uniqueUserId('carol');
    const daveId = uniqueUserId('dave');
    const nodeClient = (sub: string, name: string) =>
      new ChatClient({
        url: stack.wsUrl,
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        getToken: () => stack.issuer.mint({ sub, name }).token,
      });
    // Dave has used the chat before (only such users can be added); while he is away, Carol writes a long thread.
    const daveBefore = nodeClient(daveId, 'Dave');
    await daveBefore.connect();
    daveBefore.close();
    const carol = nodeClient(carolId, 'Carol');
    await carol.connect();
    const room = await carol.createRoom('Long thread', [daveId]);
    for (let i = 1; i <= 45; i++) await carol.sendMessage(room.roomId, `note ${i}`);
    const dave = await signIn('Dave', daveId);

    await dave.locator('#room-list li', { hasText: 'Long thread' }).click();
    await dave.locator('#message-list .message', { hasText: 'note 45' }).waitFor();
    expect(await dave.locator('#message-list .message').count()).toBe(30);
    await dave.click('#load-older');
    await dave.locator('#message-list .message', { hasText: /^Carol.*note 1$/ }).waitFor();
    const texts = await messageTexts(dave);
    expect(texts).toEqual(Array.from({ length: 45 }, (_, i) => `note ${i + 1}`));
    await expect(dave.locator('#load-older').isHidden()).resolves.toBe(true);
    await dave.screenshot({ path: join(ARTIFACTS, 'demo-page-history.png') });
    carol.close();
    await dave.context().close();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
