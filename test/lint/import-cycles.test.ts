// No import cycles, type-only imports included. The lint's import-x/no-cycle follows only imports that run; a cycle
// of type imports (how the one between the connection lifecycle, room access and the chat context was) still ties
// modules together, so this walks every import TypeScript sees.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_DIRS = ['lambdas', 'client/src', 'local', 'lib', 'bin', 'bench', 'test'];

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Each file's relative imports (`./x.js` is the source file `./x.ts`), as project-relative paths. */
function importGraph(): Map<string, string[]> {
  const files = SOURCE_DIRS.flatMap((dir) => typeScriptFiles(join(root, dir)));
  return new Map(
    files.map((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const targets = importedFiles
        .filter(({ fileName }) => fileName.startsWith('.'))
        .map(({ fileName }) => resolve(dirname(file), fileName).replace(/\.js$/, '.ts'))
        .filter((target) => existsSync(target));
      return [relative(root, file), targets.map((target) => relative(root, target))];
    }),
  );
}

/** The groups of modules that reach each other (strongly connected components of two or more, or a self-import). */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const order = new Map<string, number>();
  const lowest = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    order.set(node, order.size);
    lowest.set(node, order.get(node)!);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!order.has(next)) visit(next);
      if (stack.includes(next)) lowest.set(node, Math.min(lowest.get(node)!, lowest.get(next)!));
    }
    if (lowest.get(node) !== order.get(node)) return;
    const group = stack.splice(stack.indexOf(node));
    if (group.length > 1 || graph.get(node)?.includes(node)) cycles.push(group.sort());
  };
  for (const node of graph.keys()) if (!order.has(node)) visit(node);
  return cycles;
}

describe('import cycles', () => {
  it('finds a cycle, and only the modules on it', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
    ]);
    expect(cyclesOf(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(
      cyclesOf(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('has none in the project, type-only imports included', () => {
    const graph = importGraph();
    expect(graph.get('lambdas/chat/chat-core.ts')).toContain('lambdas/chat/connection-lifecycle.ts');
    expect(cyclesOf(graph)).toEqual([]);
  });
});
