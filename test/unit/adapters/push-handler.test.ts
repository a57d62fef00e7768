// The push function's handler: SQS records into push jobs, hostile bodies dropped, jobs that failed in part
// reported back for another try (ReportBatchItemFailures).
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createPushHandler } from '../../../lambdas/adapters/push-wiring.js';
import { pushJobOf } from '../../../lambdas/adapters/sqs-push-queue.js';
import { RecordingLogger, RecordingMetrics } from '../../fakes/chat-harness.js';
import { ManualClock } from '../../fakes/manual-clock.js';
import { createMemoryStores } from '../../fakes/memory-stores.js';
import { MemoryPushJobQueue, RecordingPushGateway } from '../../fakes/recording-push.js';
import { member, message, room } from '../../contract/store-fixtures.js';

const record = (messageId: string, body: string) => ({ messageId, body }) as SQSRecord;

describe('pushJobOf', () => {
  it('reads the jobs the queue adapter writes, and nothing else', () => {
    expect(pushJobOf(record('1', '{"roomId":"r","seq":3}'))).toEqual({ roomId: 'r', seq: 3 });
    expect(pushJobOf(record('1', '{"roomId":"r","seq":3,"cursor":"c"}'))).toEqual({ roomId: 'r', seq: 3, cursor: 'c' });
    for (const body of [
      'not json',
      'null',
      '[]',
      '{"roomId":"r"}',
      '{"roomId":"","seq":1}',
      `{"roomId":"${'r'.repeat(129)}","seq":1}`,
      '{"roomId":"r","seq":0}',
      '{"roomId":"r","seq":1.5}',
      '{"roomId":"r","seq":"1"}',
      '{"roomId":"r","seq":1,"cursor":5}',
      '{"roomId":{"toString":1},"seq":1}',
    ]) {
      expect(pushJobOf(record('1', body)), body).toBeUndefined();
    }
  });
});

describe('createPushHandler', () => {
  it('pushes for each job, drops records that are not jobs, and reports jobs that failed', async () => {
    const stores = createMemoryStores();
    const gateway = new RecordingPushGateway();
    const logger = new RecordingLogger();
    const created = room({ roomId: 'room-1', lastSeq: 2 });
    await stores.rooms.createRoom(created, [
      member('room-1', 'sender'),
      member('room-1', 'bob'),
      member('room-1', 'carol'),
    ]);
    await stores.messages.putMessageIfAbsent(message('room-1', 1));
    await stores.messages.putMessageIfAbsent(message('room-1', 2));
    await stores.devices.registerDevice({ userId: 'bob', platform: 'fcm', token: 'bob-phone', registeredAt: 1 }, 20);
    await stores.devices.registerDevice(
      { userId: 'carol', platform: 'apns', token: 'carol-phone', registeredAt: 1 },
      20,
    );
    gateway.failingTokens.add('carol-phone');
    const handler = createPushHandler(
      { region: 'local', maxConnectionS: 7200 },
      {
        stores,
        gateway,
        jobs: new MemoryPushJobQueue(),
        clock: new ManualClock(),
        logger,
        metrics: new RecordingMetrics(),
      },
    );
    const event: SQSEvent = {
      Records: [
        record('a', '{"roomId":"room-1","seq":1}'),
        record('b', 'garbage'),
        record('c', '{"roomId":"room-1","seq":2}'),
      ],
    };
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'c' }] });
    expect(gateway.sent.map((p) => `${p.token} ${p.notification.seq}`).sort()).toEqual(['bob-phone 1', 'bob-phone 2']);
    expect(logger.entries.filter((e) => e.level === 'error').map((e) => e.message)).toEqual([
      'queue record is not a push job, dropped',
    ]);
    // The retry: only Carol's pushes, Bob's are not sent twice.
    gateway.failingTokens.clear();
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(gateway.tokensSent()).toEqual(['bob-phone', 'bob-phone', 'carol-phone', 'carol-phone']);
  });
});
