// The tests run on the Node.js that runs the functions on Lambda: the `node` dev dependency puts its Node first on
// the PATH of every npm script (and of npx). Started any other way on another Node, e.g. node_modules/.bin/vitest
// under the machine's own, this fails.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CHAT_RUNTIME } from '../../lib/chat-function-factory.js';

describe("Lambda's Node.js", () => {
  const lambdaMajor = /^nodejs(\d+)\.x$/.exec(CHAT_RUNTIME.name)?.[1];

  it('runs the tests', () => {
    expect(lambdaMajor).toBeDefined();
    expect(process.versions.node.split('.')[0]).toBe(lambdaMajor);
  });

  it('is the major version of the node dev dependency', async () => {
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(manifest.devDependencies.node).toMatch(new RegExp(`^\\^${lambdaMajor}\\.`));
  });
});
