// npm run bundle: the Claude Desktop extension, clerk-invitations-mcp.mcpb (an MCP Bundle: a zip of a
// manifest.json and the files it runs), checked with `mcpb validate` and packed with `mcpb pack`.
// The manifest is mcpb/manifest.json with what must not drift filled in here: the version and the
// repository from package.json, and the tools (names, descriptions) from the capability, as the
// server reads it. Only what runs goes in: dist/ (self-contained, no node_modules: scripts/build.mjs),
// a package.json (its version, and that the .js files are ES modules), the LICENSE and the icon.
// Usage: node scripts/bundle.mjs [output file] (after npm run build; npm run bundle does both).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const output = resolve(process.argv[2] ?? 'clerk-invitations-mcp.mcpb');
const CAPABILITY = 'src/engine/clerk-frontend-api-invitations.yaml';
// The server's own capability loader, which npm run build leaves here (scripts/build.mjs).
const LOADER = 'node_modules/.cache/clerk-invitations-mcp/load.mjs';
if (!existsSync('dist/index.js') || !existsSync(LOADER)) throw new Error('run npm run build first (or npm run bundle, which does)');

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const { loadCapability } = await import(pathToFileURL(resolve(LOADER)).href);
const template = JSON.parse(readFileSync('mcpb/manifest.json', 'utf8'));
const manifest = {
  ...template,
  version: pkg.version,
  repository: { type: 'git', url: pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '') },
  tools: loadCapability(CAPABILITY).operations.map(({ name, description }) => ({ name, description })),
};

const MCPB = 'node_modules/@anthropic-ai/mcpb';
const mcpbBin = join(MCPB, JSON.parse(readFileSync(join(MCPB, 'package.json'), 'utf8')).bin);
const mcpb = (...args) => {
  const run = spawnSync(process.execPath, [mcpbBin, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) throw new Error(`mcpb ${args[0]} failed (exit ${run.status})`);
};

const stage = mkdtempSync(join(tmpdir(), 'clerk-invitations-mcp-bundle-'));
try {
  cpSync('dist', join(stage, 'dist'), { recursive: true });
  cpSync('LICENSE', join(stage, 'LICENSE'));
  cpSync('mcpb/icon.png', join(stage, 'icon.png'));
  const runtimePackage = { name: pkg.name, version: pkg.version, license: pkg.license, type: pkg.type, private: true };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(runtimePackage, null, 2)}\n`);
  writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  mcpb('validate', join(stage, 'manifest.json'));
  mcpb('pack', stage, output);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
