// PROTOCOL.md "Frames": what a frame must be, requestId rules, and that the connection outlives every error.
import { beforeAll, describe, expect } from 'vitest';
import type { Room } from '../../lambdas/protocol/index.js';
import { useLocalStack, type TestUser } from './support/local-stack-fixture.js';
import type { Frame, TestClient } from './support/test-client.js';
import { messageEvent } from './support/wire.js';

const local = useLocalStack();

let alice: TestUser;
let bob: TestUser;
let room: Room;

beforeAll(async () => {
  const created = await local.connectNew('alice');
  alice = created.user;
  [bob] = await local.registered('bob');
  room = await local.createRoom(created.client, [bob!]);
});

const errorWithoutRequestId = (frame: Frame) => frame.type === 'error' && !('requestId' in frame);

/** A fresh connection of Alice: each case starts with its own connection and rate budget. */
const connectAlice = (): Promise<TestClient> => local.connect(alice, { label: 'alice' });

async function expectStillOpen(client: TestClient): Promise<void> {
  expect(client.isOpen).toBe(true);
  await client.ack('ping');
}

describe('frames that are not requests', () => {
  const cases: Array<[string, string]> = [
    ['plain text', 'hello there'],
    ['broken JSON', '{"action": "ping"'],
    ['an empty frame', ''],
    ['an array', '[]'],
    ['an array holding a request', '[{"action":"ping","requestId":"in-array"}]'],
    ['a number', '42'],
    ['a string', '"ping"'],
    ['null', 'null'],
    ['true', 'true'],
    ['an object without action', '{}'],
    ['an object with action null', '{"action":null}'],
    ['an object with a numeric action', '{"action":5}'],
    ['an object with an array action', '{"action":["ping"]}'],
    ['an object with an object action', '{"action":{"name":"ping"}}'],
  ];

  local.each(cases)('%s is BAD_REQUEST and the connection stays open', async (_name, text) => {
    const client = await connectAlice();
    client.sendRaw(text);
    const error = await client.waitFor(errorWithoutRequestId);
    expect(error).toMatchObject({ type: 'error', code: 'BAD_REQUEST', message: expect.any(String) });
    await client.expectNoFrame((f) => f.type === 'ack' || f.type === 'error');
    await expectStillOpen(client);
  });

  local.it('a frame without action but with a requestId gets the error with that requestId', async () => {
    const client = await connectAlice();
    client.sendRaw({ requestId: 'r-no-action' });
    const reply = await client.waitFor((f) => f.requestId === 'r-no-action');
    expect(reply).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    client.sendRaw({ requestId: 'r-numeric-action', action: 7 });
    expect(await client.waitFor((f) => f.requestId === 'r-numeric-action')).toMatchObject({
      type: 'error',
      code: 'BAD_REQUEST',
    });
    await expectStillOpen(client);
  });
});

describe('unknown actions', () => {
  const names = [
    'fly',
    'PING',
    'Ping',
    'send_message',
    '$connect',
    '$disconnect',
    '$default',
    'toString',
    '__proto__',
    'constructor',
    'hasOwnProperty',
    'valueOf',
  ];

  local.each(names)('%s is UNKNOWN_ACTION, with the requestId, and the connection stays open', async (action) => {
    const client = await connectAlice();
    const error = await client.error(action, {});
    expect(error).toMatchObject({ type: 'error', code: 'UNKNOWN_ACTION', message: expect.any(String) });
    await expectStillOpen(client);
  });

  local.it('without a requestId still gets the error', async () => {
    const client = await connectAlice();
    client.sendRaw({ action: 'fly' });
    expect(await client.waitFor(errorWithoutRequestId)).toMatchObject({ code: 'UNKNOWN_ACTION' });
    await expectStillOpen(client);
  });
});

describe('requestId', () => {
  local.it('a request with one gets exactly one ack carrying it', async () => {
    const client = await connectAlice();
    const ack = await client.ack('ping', {}, { requestId: 'exactly-once' });
    expect(ack.requestId).toBe('exactly-once');
    await client.expectNoFrame((f) => f.requestId === 'exactly-once');
    // The fixture also fails the test if any requestId is answered twice.
  });

  local.it('a failing request with one gets exactly one error carrying it', async () => {
    const client = await connectAlice();
    const error = await client.error('getHistory', { roomId: room.roomId, limit: 0 }, { requestId: 'err-once' });
    expect(error).toMatchObject({ requestId: 'err-once', code: 'BAD_REQUEST' });
    await client.expectNoFrame((f) => f.requestId === 'err-once');
  });

  local.it('accepts 1 and 64 characters of any kind', async () => {
    const client = await connectAlice();
    for (const requestId of ['x', 'r'.repeat(64), 'ünïcødé 😀 with spaces', '{"json":1}']) {
      expect((await client.ack('ping', {}, { requestId })).requestId).toBe(requestId);
    }
  });

  local.it('a request without one gets no ack, but its work is done and its errors still come', async () => {
    const client = await connectAlice();
    const b = await local.connect(bob, { label: 'bob' });
    client.sendRaw({
      action: 'sendMessage',
      roomId: room.roomId,
      clientMessageId: `silent-${Date.now()}`,
      content: 'quiet send',
    });
    const event = await b.waitFor(messageEvent(room.roomId));
    expect((event.message as { content: string }).content).toBe('quiet send');
    client.sendRaw({ action: 'ping' });
    client.sendRaw({ action: 'hello' });
    await client.expectNoFrame((f) => f.type === 'ack');

    client.sendRaw({ action: 'getHistory', roomId: room.roomId, limit: 0 });
    expect(await client.waitFor(errorWithoutRequestId)).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('limit'),
    });
    client.sendRaw({ action: 'getHistory', roomId: `missing-${Date.now()}` });
    expect(await client.waitFor(errorWithoutRequestId)).toMatchObject({ code: 'FORBIDDEN' });
    await expectStillOpen(client);
  });

  const illFormed: Array<[string, unknown]> = [
    ['empty', ''],
    ['65 characters', 'r'.repeat(65)],
    ['a number', 17],
    ['an object', { id: 'r-1' }],
    ['an array', ['r-1']],
    ['a boolean', true],
  ];

  local.each(illFormed)(
    'an ill-formed requestId (%s) gets BAD_REQUEST without it and no ack',
    async (_name, requestId) => {
      const client = await connectAlice();
      client.sendRaw({ action: 'ping', requestId });
      const error = await client.waitFor((f) => f.type === 'error');
      expect(error.code).toBe('BAD_REQUEST');
      expect('requestId' in error).toBe(false);
      expect(error.message).toContain('requestId');
      await client.expectNoFrame((f) => f.type === 'ack' || f.type === 'error');
      await expectStillOpen(client);
    },
  );
});
