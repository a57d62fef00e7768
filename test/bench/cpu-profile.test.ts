// The profile summary: self time per part of the stack, from the samples and time deltas of a .cpuprofile.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarizeCpuProfile } from '../../bench/fanout/cpu-profile.js';

describe('summarizeCpuProfile', () => {
  const folders: string[] = [];
  afterAll(async () => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

  it('sums the time of the samples by part, leaves idle out of the busy time and sorts the parts', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'cpu-profile-'));
    folders.push(folder);
    const frame = (functionName: string, url = '') => ({
      functionName,
      url,
      scriptId: '0',
      lineNumber: 0,
      columnNumber: 0,
    });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(idle)') },
        { id: 2, callFrame: frame('signRequest', 'file:///x/node_modules/@smithy/signature-v4/dist/index.js') },
        { id: 3, callFrame: frame('query', 'file:///x/node_modules/dynalite/db/index.js') },
        { id: 4, callFrame: frame('onFrame', 'file:///x/lambdas/chat/router.ts') },
        { id: 5, callFrame: frame('(garbage collector)') },
      ],
      samples: [1, 2, 2, 3, 4, 5, 1],
      timeDeltas: [5_000, 3_000, 3_000, 2_000, 1_000, 1_000, 5_000],
    };
    const file = join(folder, 'thread.cpuprofile');
    await writeFile(file, JSON.stringify(profile));

    const summary = await summarizeCpuProfile(file);
    expect(summary.totalMs).toBe(20);
    expect(summary.busyMs).toBe(10);
    expect(summary.parts).toEqual([
      { part: 'AWS SDK (clients, signing, serialization)', ms: 6, share: 0.6 },
      { part: 'dynalite and LevelDB', ms: 2, share: 0.2 },
      { part: 'handlers and chat code (lambdas/)', ms: 1, share: 0.1 },
      { part: 'garbage collection', ms: 1, share: 0.1 },
    ]);
  });
});
