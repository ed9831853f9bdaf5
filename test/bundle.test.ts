import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { connect } from './helpers/connect.js';

// The built bin (npm test builds before running the tests): one bundle whose capability was
// precompiled from the YAML, and chunks loaded only when needed.
const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CLERK_FRONTEND_API_URL: 'http://127.0.0.1:9', CLERK_CLIENT_TOKEN: 'token' };

let client: Client | undefined;
let dir: string | undefined;
afterEach(async () => {
  await client?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  client = dir = undefined;
});

async function listTools(bin: string, cwd: string) {
  client = new Client({ name: 'bundle-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [bin], cwd, env, stderr: 'pipe' }));
  return (await client.listTools()).tools;
}

describe('the built bin', () => {
  // Node 20 has no compile cache; CI also runs the suite on Node 24.
  it.skipIf(!('enableCompileCache' in nodeModule))('turns on Node\'s compile cache before it loads the rest of itself (Node 22.1+)', () => {
    dir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
    // Node reports what its compile cache does on stderr when asked to; the cache goes to the temp dir.
    const run = spawnSync(process.execPath, [join(DIST, 'index.js'), '--version'], { env: { ...env, TMPDIR: dir, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' }, encoding: 'utf8' });
    expect(run.stdout).toBe(`${VERSION}\n`);
    // The chunk index.js loads first is already compiled through the cache, and the cache lands on disk.
    expect(run.stderr).toMatch(/\[compile cache\].*dist\/run-[\w-]+\.js/);
    expect(readdirSync(join(dir, 'node-compile-cache'))).not.toEqual([]);
  });

  it('lists exactly the tools that the capability YAML defines', async () => {
    const fromYaml = await connect({ baseUrl: 'http://127.0.0.1:9' });
    try {
      expect(await listTools(join(DIST, 'index.js'), ROOT)).toEqual((await fromYaml.client.listTools()).tools);
    } finally {
      await fromYaml.close();
    }
  });

  it('answers tools/list on its own: without node_modules, the YAML parser, ky or the sandbox', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    const lazy = /^(load|distribution|simulator)-.*\.js$/; // capability file reader (yaml), ky, sandbox
    const files = readdirSync(DIST);
    expect(files.filter((f) => lazy.test(f))).toHaveLength(3);
    for (const file of files.filter((f) => !lazy.test(f))) cpSync(join(DIST, file), join(dir, 'dist', file));
    expect(await listTools(join(dir, 'dist', 'index.js'), dir)).toHaveLength(5);
  });
});
