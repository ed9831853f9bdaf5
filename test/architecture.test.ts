import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layers of src/ and the only arrows allowed between them (README, "How it works"). Every file
// may import the root leaf utilities; those import nothing from any folder.
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  cli: ['mcp', 'clerk', 'rest', 'engine', 'credentials', 'sandbox'],
  mcp: ['engine'],
  clerk: ['engine', 'credentials'],
  // Plain HTTP with JSON bodies, for capabilities that are not Clerk's Frontend API.
  rest: ['engine'],
  engine: [],
  credentials: [],
  sandbox: [],
};
const ROOT_LEAVES = ['env.ts', 'errors.ts', 'index.ts', 'invocation.ts', 'json.ts', 'log.ts', 'loopback.ts', 'version.ts'];
// The bin entry starts the CLI; nothing imports it.
const ENTRY = { from: 'index.ts', to: 'cli/run.ts' };

const SRC = join(import.meta.dirname, '..', 'src');

/** Every relative specifier a file imports or re-exports, statically or with import(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) found.push(match[1] ?? '');
  return found;
}

/** The file graph: each file (relative to src/, .ts) to the src files it imports. */
function importGraph(files: Readonly<Record<string, string>>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, source] of Object.entries(files)) {
    graph.set(
      file,
      specifiers(source).map((spec) => normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts')),
    );
  }
  return graph;
}

const layerOf = (file: string): string | undefined => (file.includes('/') ? file.slice(0, file.indexOf('/')) : undefined);

/** Every import that goes against the layers, as `from -> to`. */
function forbiddenImports(files: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [from, targets] of importGraph(files)) {
    const layer = layerOf(from);
    if (layer === undefined && !ROOT_LEAVES.includes(from)) problems.push(`${from}: not in a layer folder nor a root leaf utility`);
    if (layer !== undefined && !(layer in ALLOWED)) problems.push(`${from}: ${layer}/ is not a layer`);
    for (const to of targets) {
      const target = layerOf(to);
      if (target === undefined || target === layer) continue;
      if (layer === undefined ? from === ENTRY.from && to === ENTRY.to : (ALLOWED[layer] ?? []).includes(target)) continue;
      problems.push(`${from} -> ${to} (${layer ?? 'a root leaf'} must not import ${target}/)`);
    }
  }
  return problems;
}

/** The import cycles between files, each as the path around it. */
function fileCycles(files: Readonly<Record<string, string>>): string[][] {
  const graph = importGraph(files);
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next) && graph.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

function sourceFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    if (!name.endsWith('.ts') || name.endsWith('.d.ts')) continue;
    files[name.split('\\').join('/')] = readFileSync(join(SRC, name), 'utf8');
  }
  return files;
}

describe('the layers of src/', () => {
  const files = sourceFiles();

  it('reads the imports of every source file (the check is not looking at nothing)', () => {
    expect(Object.keys(files).length).toBeGreaterThan(50);
    expect(importGraph(files).get('cli/serve.ts')).toContain('mcp/server.ts');
  });

  it('has no import against the layers (engine, mcp, clerk, rest, credentials, sandbox, cli)', () => {
    expect(forbiddenImports(files)).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(fileCycles(files)).toEqual([]);
  });

  it('reports a forbidden arrow, a dynamic one, a stray file and a cycle when there is one', () => {
    expect(
      forbiddenImports({
        'engine/a.ts': "import { ClerkClient } from '../clerk/client.js';",
        'mcp/b.ts': "const { serve } = await import('../cli/serve.js');",
        'credentials/c.ts': "export { isRecord } from '../json.js';",
        'stray.ts': '',
      }),
    ).toEqual([
      'engine/a.ts -> clerk/client.ts (engine must not import clerk/)',
      'mcp/b.ts -> cli/serve.ts (mcp must not import cli/)',
      'stray.ts: not in a layer folder nor a root leaf utility',
    ]);
    expect(fileCycles({ 'clerk/a.ts': "import type { B } from './b.js';", 'clerk/b.ts': "import { a } from './a.js';" })).toEqual([['clerk/a.ts', 'clerk/b.ts', 'clerk/a.ts']]);
  });
});
