import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { getMcpConfigForManifest, unpackExtension, type McpbManifestAny } from '@anthropic-ai/mcpb';
import { Client, type CallToolResult, type ElicitResult } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

// The Claude Desktop extension (npm run bundle: scripts/bundle.mjs), unpacked and started the way
// a host does, with the host's own code from @anthropic-ai/mcpb (which Claude Desktop uses):
// unpackExtension, then getMcpConfigForManifest to substitute ${__dirname} and ${user_config.…}.
// The folder is under the OS temp dir, outside the checkout: no node_modules of ours is reachable.
const ROOT = join(import.meta.dirname, '..');
const MCPB_CLI = join(ROOT, 'node_modules/@anthropic-ai/mcpb/dist/cli/cli.js');
const KEY = 'pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk'; // example.accounts.dev
const ORG = 'org_sandbox';
const YES: ElicitResult = { action: 'accept', content: { confirm: true } };

let extension: string;
let manifest: McpbManifestAny;
let client: Client | undefined;
let asked = 0;

beforeAll(() => {
  const work = mkdtempSync(join(tmpdir(), 'cim-mcpb-'));
  const file = join(work, 'clerk-invitations-mcp.mcpb');
  const run = spawnSync(process.execPath, ['scripts/bundle.mjs', file], { cwd: ROOT, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  extension = join(work, 'unpacked');
  return unpackExtension({ mcpbPath: file, outputDir: extension, silent: true }).then((ok) => {
    expect(ok).toBe(true);
    manifest = JSON.parse(readFileSync(join(extension, 'manifest.json'), 'utf8')) as McpbManifestAny;
  });
}, 60_000);

afterEach(async () => {
  await client?.close();
  client = undefined;
});

/** Starts the unpacked extension as the manifest says, with the user's settings substituted as a host does. */
async function start(userConfig: Record<string, string | boolean>): Promise<Client> {
  const config = await getMcpConfigForManifest({ manifest, extensionPath: extension, systemDirs: {}, userConfig, pathSeparator: sep });
  if (!config) throw new Error('the host would not start the extension (a required setting is missing)');
  // A host runs `node` with its own Node (Claude Desktop ships one): here, this test's. The test adds
  // --sandbox after the manifest's arguments, so that the extension talks to its built-in Clerk simulator.
  expect(config.command).toBe('node');
  const home = mkdtempSync(join(tmpdir(), 'cim-mcpb-home-'));
  client = new Client({ name: 'mcpb-host', version: '1.0.0' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: 'legacy' }, supportedProtocolVersions: ['2025-11-25'] });
  client.setRequestHandler('elicitation/create', () => {
    asked++;
    return YES;
  });
  const env = { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: home, ...config.env };
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [...(config.args ?? []), '--sandbox'], cwd: extension, env, stderr: 'pipe' }));
  return client;
}

describe('the Claude Desktop extension (npm run bundle)', () => {
  it('passes mcpb validate, and holds only what runs: dist/, package.json, LICENSE, the icon, the manifest', () => {
    const run = spawnSync(process.execPath, [MCPB_CLI, 'validate', join(extension, 'manifest.json')], { encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const files = readdirSync(extension, { recursive: true, encoding: 'utf8' }).map((f) => f.split(sep).join('/'));
    expect(files.filter((f) => !f.startsWith('dist')).sort()).toEqual(['LICENSE', 'icon.png', 'manifest.json', 'package.json']);
    // All of dist/ (built code only: no source maps, no sources), and nothing else: no node_modules.
    expect(readdirSync(join(extension, 'dist')).sort()).toEqual(readdirSync(join(ROOT, 'dist')).sort());
    expect(readdirSync(join(extension, 'dist')).filter((f) => !/^[\w-]+\.c?js$/.test(f))).toEqual([]);
    expect(readFileSync(join(extension, 'LICENSE'), 'utf8')).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string };
    expect(manifest).toMatchObject({ version: pkg.version, license: pkg.license, server: { type: 'node', entry_point: 'dist/index.js' }, compatibility: { runtimes: { node: '>=20.0.0' } } });
    expect(manifest.user_config?.publishable_key).toMatchObject({ type: 'string', required: true, sensitive: false });
    expect(manifest.user_config?.read_only).toMatchObject({ type: 'boolean', default: false });
  });

  it('started as the manifest says, outside the checkout, lists the tools the manifest names and runs each against the sandbox', async () => {
    for (let dir = extension; dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules')), dir).toBe(false);
    const host = await start({ publishable_key: KEY, read_only: false });
    const { tools } = await host.listTools();
    // The manifest's list was generated from the capability at bundle time; here it meets what the server serves.
    expect(tools.map(({ name, description }) => ({ name, description }))).toEqual(manifest.tools);
    expect(tools).toHaveLength(5);

    const call = async (name: string, args: Record<string, unknown>) => {
      const result = (await host.callTool({ name, arguments: args })) as CallToolResult;
      expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
      return result.structuredContent as Record<string, unknown>;
    };
    expect(await call('getOrganizationInvitations', { organization_id: ORG, status: 'pending' })).toMatchObject({ total_count: 2 });
    expect(await call('createOrganizationInvitations', { organization_id: ORG, email_address: 'new.hire@example.com', role: 'org:member', notify: false })).toMatchObject({ email_address: 'new.hire@example.com', status: 'pending' });
    // Bulk create and revoke ask the user first (elicitation/create, answered yes).
    expect(await call('bulkCreateOrganizationInvitations', { organization_id: ORG, email_address: ['ana@example.com', 'ben@example.com'], role: 'org:admin', notify: false })).toMatchObject({ total_count: 2 });
    expect(await call('revokePendingOrganizationInvitation', { organization_id: ORG, invitation_id: 'orginv_sandboxalice000000000000000' })).toMatchObject({ status: 'revoked' });
    expect(asked).toBe(2);
    const pending = await call('getAllPendingOrganizationInvitations', { organization_id: ORG });
    expect((pending.data as { email_address: string }[]).map((i) => i.email_address).sort()).toEqual(['ana@example.com', 'ben@example.com', 'bob@example.com', 'new.hire@example.com']);
  });

  it('its Read-only setting reaches the server: only the tools that change nothing are served', async () => {
    const host = await start({ publishable_key: KEY, read_only: true });
    expect((await host.listTools()).tools.map((t) => t.name).sort()).toEqual(['getAllPendingOrganizationInvitations', 'getOrganizationInvitations']);
  });

  it('its publishable key reaches the server, which checks it', async () => {
    // A key that is not one stops the server at start; the host sees the connection fail.
    await expect(start({ publishable_key: 'pk_test_nope', read_only: false })).rejects.toThrow();
  });
});
