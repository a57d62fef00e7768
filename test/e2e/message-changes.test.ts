// Edits, deletions, reactions and replies through the local stack: live to other devices, after a reconnect, only
// by the sender, and a deleted message's content gone from the table (read raw from dynalite).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect } from 'vitest';
import { applyChange } from '../../client/src/apply-change.js';
import { roomPk } from '../../lambdas/adapters/dynamo/keys.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/table-schema.js';
import type { Message, MessageChange } from '../../lambdas/protocol/index.js';
import { embeddedDynamoClientConfig } from '../../local/embedded-dynamo.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import type { Frame, TestClient } from './support/test-client.js';

const local = useLocalStack();

let documents: DynamoDBDocumentClient | undefined;
afterAll(() => documents?.destroy());

/** Every item of the room's partition, as dynalite holds it (sets as arrays, so JSON shows them). */
async function roomItems(roomId: string): Promise<Record<string, unknown>[]> {
  const stack = local.stack;
  documents ??= DynamoDBDocumentClient.from(
    new DynamoDBClient(embeddedDynamoClientConfig(stack.config.dynamoEndpoint!)),
  );
  const output = await documents.send(
    new QueryCommand({
      TableName: stack.config.tableName!,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey },
      ExpressionAttributeValues: { ':pk': roomPk(roomId) },
      ConsistentRead: true,
    }),
  );
  // The room's occupancy items follow connections and joins (a join's marks are written after its ack), not the
  // message actions these snapshots compare.
  const occupancy = (item: Record<string, unknown>) =>
    typeof item[TABLE_SCHEMA.sortKey] === 'string' &&
    /^(OCCUPANCY$|ONLINE#)/.test(item[TABLE_SCHEMA.sortKey] as string);
  return (output.Items ?? [])
    .filter((item) => !occupancy(item))
    .map((item) =>
      Object.fromEntries(
        Object.entries(item).map(([name, value]) => [name, value instanceof Set ? [...value] : value]),
      ),
    );
}

/** What a client shows: the messages it has, each with every change it heard applied in seq order. */
class View {
  readonly messages = new Map<number, Message>();
  lastSeq = 0;
  constructor(private readonly userId: string) {}

  take(items: ReadonlyArray<Message | MessageChange>): void {
    for (const item of [...items].sort((a, b) => a.seq - b.seq)) {
      if (item.seq <= this.lastSeq) continue;
      expect(item.seq, 'no gap in the sequence').toBe(this.lastSeq + 1);
      this.lastSeq = item.seq;
      if ('changeOf' in item) {
        const target = this.messages.get(item.changeOf);
        if (target) this.messages.set(item.changeOf, applyChange(target, item, this.userId));
      } else this.messages.set(item.seq, item as Message);
    }
  }

  async catchUp(client: TestClient, roomId: string): Promise<void> {
    const page = await client.ack('getHistory', { roomId, after: this.lastSeq });
    this.take([...(page.messages as Message[]), ...(page.changes as MessageChange[])]);
    expect(page.hasMore).toBe(false);
  }

  /** Live frames of the room, in the order they came. */
  takeFrames(frames: Frame[]): void {
    this.take(
      frames.map((frame) => (frame.type === 'change' ? frame.change : frame.message) as Message | MessageChange),
    );
  }

  shown(): Message[] {
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }
}

const itemsOf = (frames: Frame[]) =>
  frames.map((frame) => (frame.type === 'change' ? frame.change : frame.message) as Message | MessageChange);

const roomFrames = (roomId: string) => (frame: Frame) =>
  (frame.type === 'message' || frame.type === 'change') && frame.roomId === roomId;

async function framesUpTo(client: TestClient, roomId: string, seq: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (;;) {
    const frame = await client.waitFor(roomFrames(roomId));
    frames.push(frame);
    const item = (frame.type === 'change' ? frame.change : frame.message) as { seq: number };
    if (item.seq >= seq) return frames;
  }
}

describe('changes to messages, end to end', () => {
  local.it("reach the sender's other devices and the room live, each under the next seq of the room", async () => {
    const {
      user: alice,
      clients: [phone, laptop],
    } = await local.devices('alice', 2);
    const { user: bob, client: bobClient } = await local.connectNew('bob');
    const room = await local.createRoom(phone!, [bob]);
    const sent = (await phone!.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'm1', content: 'first' }))
      .message as Message;
    const reply = (
      await bobClient.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'b1', content: 'answer', replyTo: 1 })
    ).message as Message;
    expect(reply).toMatchObject({ seq: 2, replyTo: 1 });
    const edit = await phone!.ack('editMessage', { roomId: room.roomId, seq: 1, content: 'first, edited' });
    const reaction = await bobClient.ack('react', { roomId: room.roomId, seq: 1, emoji: '🎉', on: true });
    const deletion = await phone!.ack('deleteMessage', { roomId: room.roomId, seq: 1 });
    expect([edit, reaction, deletion].map((ack) => (ack.change as MessageChange).seq)).toEqual([3, 4, 5]);

    const laptopView = new View(alice.userId);
    laptopView.takeFrames(await framesUpTo(laptop!, room.roomId, 5));
    const bobView = new View(bob.userId);
    // Bob's own reply and reaction came in his acks, the rest live.
    bobView.take([reply, reaction.change as MessageChange, ...itemsOf(await framesUpTo(bobClient, room.roomId, 5))]);
    expect(laptopView.shown()).toEqual([
      {
        ...sent,
        content: '',
        deleted: true,
        editedAt: (edit.change as MessageChange).createdAt,
        reactions: [{ emoji: '🎉', count: 1, reactedByMe: false }],
        reactionsVersion: 1,
      },
      reply,
    ]);
    expect(bobView.shown()[0]!.reactions).toEqual([{ emoji: '🎉', count: 1, reactedByMe: true }]);
    // The device that made each change heard only the others' (its ack told it of its own).
    await phone!.expectNoFrame(
      (frame) => frame.type === 'change' && (frame.change as MessageChange).userId === alice.userId,
    );
  });

  local.it('a client away during an edit and a delete ends with the same view as one that stayed', async () => {
    const { client: aliceClient } = await local.connectNew('alice');
    const bob = local.user('bob');
    const stayer = await local.connect(bob, { label: 'bob-stays' });
    const away = await local.connect(bob, { label: 'bob-away' });
    const room = await local.createRoom(aliceClient, [bob]);
    const roomId = room.roomId;
    const stayed = new View(bob.userId);
    const returning = new View(bob.userId);
    for (const id of ['m1', 'm2', 'm3'])
      await aliceClient.ack('sendMessage', { roomId, clientMessageId: id, content: id });
    await returning.catchUp(away, roomId);
    await stayed.catchUp(stayer, roomId);
    stayer.discard();
    await away.close();

    await aliceClient.ack('editMessage', { roomId, seq: 1, content: 'm1 edited once' });
    await aliceClient.ack('editMessage', { roomId, seq: 1, content: 'm1 edited twice' });
    await aliceClient.ack('deleteMessage', { roomId, seq: 2 });
    const own = (await stayer.ack('react', { roomId, seq: 3, emoji: '👍', on: true })).change as MessageChange;
    await aliceClient.ack('react', { roomId, seq: 3, emoji: '👍', on: true });
    await aliceClient.ack('sendMessage', { roomId, clientMessageId: 'm4', content: 'm4' });
    // The stayer's own reaction came back in its ack only; everything else arrives live.
    const live = await framesUpTo(stayer, roomId, 9);
    stayed.take([
      own,
      ...live.map((frame) => (frame.type === 'change' ? frame.change : frame.message) as MessageChange),
    ]);
    expect(stayed.lastSeq).toBe(9);

    const back = await local.connect(bob, { label: 'bob-back' });
    await returning.catchUp(back, roomId);
    expect(returning.shown()).toEqual(stayed.shown());
    const now = (await back.ack('getHistory', { roomId })).messages as Message[];
    expect(returning.shown()).toEqual(now);
    expect(now.map((m) => [m.content, m.deleted ?? false])).toEqual([
      ['m1 edited twice', false],
      ['', true],
      ['m3', false],
      ['m4', false],
    ]);
    expect(now[2]!.reactions).toEqual([{ emoji: '👍', count: 2, reactedByMe: true }]);
  });

  local.it(
    'only the sender edits; only the sender or the group room creator deletes; refusals change nothing',
    async () => {
      const { client: owner } = await local.connectNew('owner');
      const { user: alice, client: aliceClient } = await local.connectNew('alice');
      const { user: bob, client: bobClient } = await local.connectNew('bob');
      const room = await local.createRoom(owner, [alice, bob]);
      const roomId = room.roomId;
      await aliceClient.ack('sendMessage', { roomId, clientMessageId: 'a1', content: 'mine' });
      const before = JSON.stringify(await roomItems(roomId));
      expect(await bobClient.error('editMessage', { roomId, seq: 1, content: 'yours now' })).toMatchObject({
        code: 'FORBIDDEN',
      });
      expect(await bobClient.error('deleteMessage', { roomId, seq: 1 })).toMatchObject({ code: 'FORBIDDEN' });
      expect(await owner.error('editMessage', { roomId, seq: 1, content: 'moderated' })).toMatchObject({
        code: 'FORBIDDEN',
      });
      expect(JSON.stringify(await roomItems(roomId))).toBe(before);
      await aliceClient.expectNoFrame((frame) => frame.type === 'change');
      const moderated = await owner.ack('deleteMessage', { roomId, seq: 1 });
      expect(moderated.change).toMatchObject({ kind: 'delete', changeOf: 1 });
    },
  );

  local.it("a deleted message's content is gone from the table: the message, its claim and its edits", async () => {
    const { client: aliceClient } = await local.connectNew('alice');
    const { user: bob, client: bobClient } = await local.connectNew('bob');
    const room = await local.createRoom(aliceClient, [bob]);
    const roomId = room.roomId;
    await aliceClient.ack('sendMessage', {
      roomId,
      clientMessageId: 'cm-1',
      content: 'the original secret',
      messageType: 'image',
      attachmentUrl: 'https://cdn.example/secret-picture.png',
    });
    await aliceClient.ack('editMessage', { roomId, seq: 1, content: 'the edited secret' });
    await bobClient.ack('react', { roomId, seq: 1, emoji: '😮', on: true });
    expect(JSON.stringify(await roomItems(roomId))).toMatch(
      /original secret[\s\S]*edited secret|edited secret[\s\S]*original secret/,
    );
    await aliceClient.ack('deleteMessage', { roomId, seq: 1 });

    const items = await roomItems(roomId);
    expect(JSON.stringify(items)).not.toMatch(/secret/);
    const message = items.find((item) => item.sk === 'MSG#0000000000000001')!;
    expect(message).toMatchObject({ deleted: true, seq: 1 });
    expect(message).not.toHaveProperty('content');
    expect(items.filter((item) => typeof item.changeOf === 'number').map((item) => [item.seq, item.kind])).toEqual([
      [2, 'edit'],
      [3, 'reaction'],
      [4, 'delete'],
    ]);
    expect(
      items.filter((item) => typeof item.changeOf !== 'number' && String(item.sk).startsWith('MSG#')),
    ).toHaveLength(1);
    const history = await bobClient.ack('getHistory', { roomId, after: 0 });
    expect(history.messages).toEqual([expect.objectContaining({ seq: 1, content: '', deleted: true })]);
    expect(JSON.stringify(history)).not.toMatch(/secret/);
  });
});
