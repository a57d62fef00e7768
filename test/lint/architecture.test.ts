// The architecture rules of eslint.config.js fail when broken: each case lints a small file placed (virtually) in
// a folder of the project and expects the rule that guards that folder, or no error where the import is allowed.
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The rules a file at `path` (relative to the project root) breaks, with what it says. */
async function lint(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const uses = (specifier: string, name = 'x') => `import { ${name} } from '${specifier}';\nexport const y = ${name};\n`;

describe('the architecture rules', () => {
  it.each([
    ['lambdas/chat/fixture.ts', '@aws-sdk/client-dynamodb'],
    ['lambdas/chat/fixture.ts', '@smithy/node-http-handler'],
    ['lambdas/chat/fixture.ts', '@aws-lambda-powertools/logger'],
    ['lambdas/protocol/fixture.ts', '@aws-sdk/lib-dynamodb'],
    ['lambdas/protocol/fixture.ts', 'aws-jwt-verify'],
  ])('%s may not import %s', async (path, specifier) => {
    expect(await lint(path, uses(specifier))).toEqual([expect.stringMatching(/^no-restricted-imports: .*adapters/)]);
  });

  it('keeps lambdas/chat and lambdas/protocol away from lambdas/adapters', async () => {
    expect(await lint('lambdas/chat/actions/fixture.ts', uses('../../adapters/wiring.js', 'createWiring'))).toEqual([
      expect.stringMatching(/^import-x\/no-restricted-paths: .*ports/),
    ]);
    expect(await lint('lambdas/protocol/fixture.ts', uses('../adapters/config.js', 'loadConfig'))).toEqual([
      expect.stringMatching(/^import-x\/no-restricted-paths: .*bottom layer/),
    ]);
    // A type-only import crosses the boundary just the same.
    expect(
      await lint(
        'lambdas/protocol/fixture.ts',
        "import type { ChatStore } from '../chat/ports.js';\nexport type S = ChatStore;\n",
      ),
    ).toEqual([expect.stringMatching(/^import-x\/no-restricted-paths: /)]);
  });

  it('lets the client SDK import only its own files and lambdas/protocol', async () => {
    for (const specifier of ['../../lambdas/chat/errors.js', '../../local/stack.js', 'zod', 'ws']) {
      expect(await lint('client/src/fixture.ts', uses(specifier)), specifier).toEqual([
        expect.stringMatching(/^import-x\/no-restricted-paths: .*only its own files/),
      ]);
    }
    expect(await lint('client/src/fixture.ts', uses('node:crypto', 'randomUUID'))).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*browsers/),
    ]);
    expect(await lint('client/src/fixture.ts', uses('../../lambdas/protocol/limits.js', 'LIMITS'))).toEqual([]);
    expect(await lint('client/src/fixture.ts', uses('./backoff.js', 'Backoff'))).toEqual([]);
  });

  it('allows what the layering allows', async () => {
    expect(await lint('lambdas/chat/fixture.ts', uses('../protocol/index.js', 'LIMITS'))).toEqual([]);
    expect(await lint('lambdas/adapters/fixture.ts', uses('@aws-sdk/client-dynamodb', 'DynamoDBClient'))).toEqual([]);
    expect(await lint('lambdas/adapters/fixture.ts', uses('../chat/index.js', 'createChat'))).toEqual([]);
  });

  it('refuses an import cycle', async () => {
    // paging.ts as it would be if it imported the chat's entry point, which reaches paging.ts again through the
    // connection lifecycle.
    expect(await lint('lambdas/chat/paging.ts', uses('./index.js', 'createChat'))).toEqual([
      expect.stringMatching(/^import-x\/no-cycle: /),
    ]);
    // Only imports that run: a type-only import closes no cycle at run time, and the rule does not follow it.
    expect(
      await lint(
        'lambdas/chat/paging.ts',
        "import type { ChatService } from './service.js';\nexport type S = ChatService;\n",
      ),
    ).toEqual([]);
  });
});
