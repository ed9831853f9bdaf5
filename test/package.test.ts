import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { afterEach, describe, expect, it } from 'vitest';

// What npm publishes, and that it needs nothing installed beside it (scripts/build.mjs bundles every
// library into dist/). Figures for the install footprint: BENCHMARKS.md, "Install footprint".
const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; dependencies?: Record<string, string> };

let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

/** dist/ and package.json copied under the OS temp dir: no node_modules anywhere above it. */
function installedCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cim-package-'));
  cpSync(DIST, join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  return dir;
}

describe('the npm package', () => {
  it('npm pack holds the built bin, the LICENSE, the README and package.json, and nothing else', () => {
    // --ignore-scripts: the tests' global setup has built dist/ already; prepare would build it again.
    const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', shell: process.platform === 'win32' });
    expect(run.status, run.stderr).toBe(0);
    const [packed] = JSON.parse(run.stdout) as [{ name: string; version: string; files: { path: string }[] }];
    expect(packed).toMatchObject({ name: pkg.name, version: pkg.version });
    const files = packed.files.map((f) => f.path).sort();
    expect(files.filter((f) => !f.startsWith('dist/'))).toEqual(['LICENSE', 'README.md', 'package.json']);
    // Built code only: no source maps, sources, tests, fixtures or bundles (.mcpb).
    expect(files.filter((f) => f.startsWith('dist/') && !/^dist\/[\w-]+\.c?js$/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/')).map((f) => f.slice('dist/'.length))).toEqual(readdirSync(DIST).sort());
    expect(files).toContain('dist/index.js');
  });

  it('has no runtime dependencies: the bin imports only Node built-ins and its own files', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    const builtins = new Set(builtinModules);
    const imported = new Set<string>();
    for (const file of readdirSync(DIST).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(join(DIST, file), 'utf8');
      // esbuild's forms: import x from"m", import"m", export … from"m", import("m"). A specifier has no
      // spaces and starts as a name or path does: strings that merely hold "from" (jsdiff's "rename from ") are not imports.
      for (const [, specifier] of code.matchAll(/(?:\bfrom ?|\bimport ?|\bimport\()"([@\w.][^"\s]*)"/g)) imported.add(specifier as string);
    }
    const foreign = [...imported].filter((s) => !s.startsWith('./') && !s.startsWith('node:') && !builtins.has(s));
    // kerberos: https-proxy-agent's optional import for Negotiate proxy authentication, which is never asked for.
    expect(foreign).toEqual(['kerberos']);
    expect(imported).toContain('node:fs'); // the scan finds imports at all
  });

  it('runs from a copy with no node_modules: a capability file given at start (the YAML parser), and the JSON Schema validator', async () => {
    const dir = installedCopy();
    const seed = join(ROOT, 'test/fixtures/seed-clerk-frontend-api-invitations.yaml');
    client = new Client({ name: 'package-test', version: '1.0.0' });
    const env = { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: dir, CLERK_FRONTEND_API_URL: 'http://127.0.0.1:9', CLERK_CLIENT_TOKEN: 'token' };
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [join(dir, 'dist/index.js'), '--capability', seed], cwd: dir, env, stderr: 'pipe' }));
    expect((await client.listTools()).tools).toHaveLength(5);

    // Loaded with require() on the first elicitation answer to validate (src/mcp/json-schema-validator.ts).
    const { AjvJsonSchemaValidator: Validator } = createRequire(join(dir, 'dist/index.js'))('./validators-ajv.cjs') as { AjvJsonSchemaValidator: typeof AjvJsonSchemaValidator };
    const check = new Validator().getValidator<{ confirm: boolean }>({ type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] });
    expect(check({ confirm: true }).valid).toBe(true);
    expect(check({ confirm: 'yes' }).valid).toBe(false);
  });
});
