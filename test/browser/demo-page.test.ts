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
const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const ARTIFACTS = join(process.cwd(), 'test/artifacts');

describe('the demo page', () => {
  let stack: LocalStack;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // The page loads the SDK from local/public/vendor, which `npm run build` (and `npm start`) produce.
    await run(process.execPath, ['client/build.mjs', '--demo-only'], { cwd: process.cwd() });
    [stack, browser] = await Promise.all([startLocalStack({ port: 0, dataDir: null }), launchChromium()]);
    await mkdir(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const DESKTOP = { viewport: { width: 1200, height: 760 } };
  const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

  async function signIn(name: string, userId: string, device: typeof DESKTOP | typeof PHONE = DESKTOP): Promise<Page> {
    const context = await browser.newContext(device);
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

    // The desktop layout: the room list beside the room, and no back control.
    expect(await bob.locator('.sidebar').isVisible()).toBe(true);
    expect(await bob.locator('#back-to-rooms').isVisible()).toBe(false);

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

    // Bob reacts to Alice's message and Alice edits it: both pages show both changes.
    const alicesMessageOnBob = bob.locator('#message-list .message', { hasText: 'Hiking on Saturday?' });
    await alicesMessageOnBob.hover();
    await alicesMessageOnBob.locator('[data-action="react 👍"]').click();
    await bob.locator('#message-list .reaction.mine', { hasText: '👍 1' }).waitFor();
    await alice.locator('#message-list .message.own .reaction:not(.mine)', { hasText: '👍 1' }).waitFor();
    const alicesOwn = alice.locator('#message-list .message.own', { hasText: 'Hiking on Saturday?' });
    await alicesOwn.hover();
    await alicesOwn.locator('[data-action="edit"]').click();
    await alice.locator('#composer-context', { hasText: 'Editing' }).waitFor();
    await alice.locator('#composer-input').fill('Hiking on Sunday?');
    await alice.keyboard.press('Enter');
    await bob.locator('#message-list .message', { hasText: 'Hiking on Sunday?' }).locator('.edited').waitFor();
    await alice.locator('#message-list .message.own', { hasText: 'Hiking on Sunday?' }).locator('.edited').waitFor();
    expect(await messageTexts(bob)).toEqual(['Hiking on Sunday?', 'Yes! <b>not bold</b> 🌲']);
    expect(await messageTexts(alice)).toEqual(['Hiking on Sunday?', 'Yes! <b>not bold</b> 🌲']);
    expect(await bob.locator('#message-list .reaction', { hasText: '👍 1' }).count()).toBe(1);
    // An image: uploaded straight to the bucket, shown to Bob through the link the backend signs for him.
    await alice.setInputFiles('#attach-input', { name: 'dot.png', mimeType: 'image/png', buffer: ONE_PIXEL_PNG });
    const picture = bob.locator('#message-list .message .attachment img[alt="dot.png"]');
    await picture.waitFor();
    await expect
      .poll(() => picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 })
      .toBe(1);

    await alice.screenshot({ path: join(ARTIFACTS, 'demo-page-alice.png') });
    await bob.screenshot({ path: join(ARTIFACTS, 'demo-page-bob.png') });

    // Alice leaves: Bob's page shows her offline.
    await alice.context().close();
    await bob.locator(`#member-list li[data-user-id="${aliceId}"]:not(.online)`).waitFor();
    await bob.context().close();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('on a phone shows the room list and the room as two views, with a back control', async () => {
    const erinId = uniqueUserId('erin');
    const frankId = uniqueUserId('frank');
    // A long name: the header and the members strip must still fit the width.
    const erin = await signIn('Erin Rosalind Featherstonehaugh-Smythe', erinId, PHONE);
    const frank = await signIn('Frank', frankId, PHONE);
    const roomName = 'Phone chat about the weekend and after';
    const erinsRoom = erin.locator('#room-list li', { hasText: roomName });
    /** Where an element is on the screen, or null when it is not shown. */
    const box = (page: Page, selector: string) => page.locator(selector).boundingBox();
    /** Nothing is wider than the screen: no sideways scrolling, no cut-off text. */
    const fitsTheWidth = async (page: Page) =>
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // Signed in: the room list fills the screen; there is no room beside it.
    expect((await box(frank, '.sidebar'))?.width).toBe(390);
    expect(await box(frank, '#room')).toBeNull();
    await fitsTheWidth(frank);

    await frank.fill('#new-room-name', roomName);
    await frank.fill('#new-room-members', erinId);
    await frank.tap('#create-room');
    // Creating the room opens it in place of the list.
    await frank.locator('#room-name', { hasText: roomName }).waitFor();
    expect(await box(frank, '.sidebar')).toBeNull();
    expect((await box(frank, '#room'))?.width).toBe(390);

    await erinsRoom.tap();
    await erin.locator('#room-name', { hasText: roomName }).waitFor();
    await erin.locator(`#member-list li.online[data-user-id="${frankId}"]`).waitFor();
    const long = 'A longer message, to see it wrap on a narrow screen: '.repeat(4).trim();
    await erin.locator('#composer-input').fill(long);
    await erin.locator('#send-button').tap();
    await frank.locator('#message-list .message', { hasText: 'A longer message' }).waitFor();
    await frank.locator('#composer-input').pressSequentially('Got it', { delay: 20 });
    await erin.locator('#typing', { hasText: 'Frank is typing…' }).waitFor();
    await frank.locator('#send-button').tap();
    await erin.locator('#message-list .message', { hasText: 'Got it' }).waitFor();
    expect(await messageTexts(erin)).toEqual([long, 'Got it']);

    // The whole room fits the screen: messages, the composer and its send button.
    for (const page of [erin, frank]) {
      await fitsTheWidth(page);
      for (const selector of ['#message-list .message >> nth=0', '#composer-input', '#send-button']) {
        const shown = (await box(page, selector))!;
        expect(shown.x, selector).toBeGreaterThanOrEqual(0);
        expect(shown.x + shown.width, selector).toBeLessThanOrEqual(390);
        expect(shown.y + shown.height, selector).toBeLessThanOrEqual(844);
      }
    }
    await erin.screenshot({ path: join(ARTIFACTS, 'demo-page-phone-room.png') });

    // Back: the list again, where a message that arrives meanwhile counts as unread.
    await erin.locator('#back-to-rooms').tap();
    expect(await box(erin, '#room')).toBeNull();
    expect((await box(erin, '.sidebar'))?.width).toBe(390);
    await frank.locator('#composer-input').fill('Still there?');
    await frank.keyboard.press('Enter');
    await erinsRoom.locator('.badge', { hasText: '1' }).waitFor();
    await erin.screenshot({ path: join(ARTIFACTS, 'demo-page-phone-rooms.png') });
    await erinsRoom.tap();
    await erin.locator('#message-list .message', { hasText: 'Still there?' }).waitFor();

    await erin.context().close();
    await frank.context().close();
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
    await dave.locator('#message-list .message .content', { hasText: /^note 1$/ }).waitFor();
    const texts = await messageTexts(dave);
    expect(texts).toEqual(Array.from({ length: 45 }, (_, i) => `note ${i + 1}`));
    await expect(dave.locator('#load-older').isHidden()).resolves.toBe(true);
    await dave.screenshot({ path: join(ARTIFACTS, 'demo-page-history.png') });
    carol.close();
    await dave.context().close();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
