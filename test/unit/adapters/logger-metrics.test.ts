import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { asLoggerPort, createLogger } from '../../../lambdas/adapters/logger.js';
import { createMetrics } from '../../../lambdas/adapters/metrics.js';

let written: string[];
beforeEach(() => {
  written = [];
  // Powertools writes WARN and ERROR to stderr, the rest (and EMF metrics) to stdout.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
});
afterEach(() => vi.restoreAllMocks());

const lines = () =>
  written
    .join('')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('logger', () => {
  it('writes structured lines with the service and persistent keys, at the chosen level', () => {
    const logger = asLoggerPort(
      createLogger({ serviceName: 'chat-test', logLevel: 'info', persistentKeys: { stage: 'test' } }),
    );
    logger.debug('not shown');
    logger.info('shown', { roomId: 'r1' });
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'shown', service: 'chat-test', stage: 'test', roomId: 'r1' }),
    ]);
  });

  it('redacts a token that slips into a logged value', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl';
    const logger = asLoggerPort(createLogger({ logLevel: 'INFO' }));
    logger.warn('odd request', {
      token: 'opaque-secret',
      Authorization: 'Bearer x',
      url: `wss://host/?token=${jwt}`,
      nested: { idToken: jwt },
    });
    const output = written.join('');
    expect(output).not.toContain('opaque-secret');
    expect(output).not.toContain('Bearer x');
    expect(output).not.toContain(jwt);
    expect(lines()[0]).toMatchObject({
      token: '[redacted]',
      Authorization: '[redacted]',
      url: 'wss://host/?token=[redacted jwt]',
    });
  });
});

describe('metrics', () => {
  it('writes counted metrics as one EMF document on flush, and nothing when nothing was counted', () => {
    const metrics = createMetrics({ enabled: true, namespace: 'ChatTest', serviceName: 'chat-test' });
    metrics.flush();
    expect(written).toEqual([]);
    metrics.count('MessagesSent');
    metrics.count('Deliveries', 3);
    metrics.flush();
    const [emf] = lines();
    expect(emf).toMatchObject({ MessagesSent: 1, Deliveries: 3, service: 'chat-test' });
    expect(JSON.stringify(emf!._aws)).toContain('"Namespace":"ChatTest"');
    metrics.flush();
    expect(lines()).toHaveLength(1);
  });

  it('writes FanOutDuration at once with its roomSize dimension, apart from the counters', () => {
    const metrics = createMetrics({ enabled: true, namespace: 'ChatTest', serviceName: 'chat-test' });
    metrics.count('Deliveries', 5);
    metrics.fanOutDuration!(1234, '≤10k');
    const [duration] = lines();
    expect(duration).toMatchObject({ FanOutDuration: 1234, roomSize: '≤10k', service: 'chat-test' });
    expect(duration).not.toHaveProperty('Deliveries');
    const directive = (duration!._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: unknown[] }> })
      .CloudWatchMetrics[0]!;
    expect(directive.Dimensions[0]).toEqual(expect.arrayContaining(['service', 'roomSize']));
    expect(directive.Metrics).toEqual([{ Name: 'FanOutDuration', Unit: 'Milliseconds' }]);
    metrics.flush();
    expect(lines()[1]).toMatchObject({ Deliveries: 5 });
    expect(lines()[1]).not.toHaveProperty('roomSize');
  });

  it('is silent when disabled (the local stack)', () => {
    const metrics = createMetrics({ enabled: false });
    metrics.count('MessagesSent');
    metrics.flush();
    expect(written).toEqual([]);
  });
});
