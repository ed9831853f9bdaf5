import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { BIN, freshConfig, runCli } from './helpers/cli.js';

// Several servers (one per client window is the normal setup) and commands share one stored
// sign-in. The sandbox accepts only the current client token and rotates it on every write, so
// they must hand each other the latest token through the credentials file.

let sandbox: Sandbox;
let servers: { client: Client; stderr: () => string }[] = [];
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  await Promise.all(servers.map(({ client }) => client.close()));
  servers = [];
  await sandbox.close();
});

const at = (): string[] => ['--frontend-api-url', sandbox.url];

async function startServers(count: number, env: Record<string, string>): Promise<Client[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const transport = new StdioClientTransport({ command: process.execPath, args: [BIN], env: { ...env, CLERK_FRONTEND_API_URL: sandbox.url }, stderr: 'pipe' });
      let stderr = '';
      transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const client = new Client({ name: 'shared-sign-in', version: '1.0.0' });
      await client.connect(transport);
      servers.push({ client, stderr: () => stderr });
      return client;
    }),
  );
}

const create = (server: Client, n: number): Promise<CallToolResult> =>
  server.callTool({ name: 'createOrganizationInvitations', arguments: { organization_id: 'org_sandbox', email_address: `shared${n}@example.com`, role: 'org:admin' } }) as Promise<CallToolResult>;
const list = (server: Client): Promise<CallToolResult> =>
  server.callTool({ name: 'getOrganizationInvitations', arguments: { organization_id: 'org_sandbox', status: 'pending', limit: 100 } }) as Promise<CallToolResult>;
const failures = (results: CallToolResult[]): string[] => results.filter((r) => r.isError).map((r) => JSON.stringify(r.content));

async function signedIn(): Promise<ReturnType<typeof freshConfig>> {
  const config = freshConfig();
  const run = await runCli(['login', ...at(), '--ticket', sandbox.issueSignInTicket()], config.env);
  expect(run.code).toBe(0);
  return config;
}

describe('one stored sign-in shared by several servers', () => {
  it('3 servers, 30 interleaved creates and lists: all succeed, and the file ends with a token Clerk accepts', async () => {
    const { env, store } = await signedIn();
    const mcp = await startServers(3, env);
    // Each server reads the file once it is first used: use each, so that all start from one token.
    const results: CallToolResult[] = await Promise.all(mcp.map(list));
    // Then A creates, B creates twice, A lists; then the same with the next pair of servers. A server's
    // token goes stale as soon as another one writes, and B's second write rotates a token that
    // the file never held.
    let created = 0;
    for (let i = 0; i < 30; i++) {
      const round = Math.floor(i / 4);
      const step = i % 4;
      const server = mcp[(round + (step === 1 || step === 2 ? 1 : 0)) % 3]!;
      results.push(await (step === 3 ? list(server) : create(server, created++)));
    }
    expect(failures(results)).toEqual([]);
    const pending = (await list(mcp[0]!)).structuredContent as { total_count: number };
    expect(pending.total_count).toBe(2 + created);
    // A fresh command reads the file and is accepted.
    const whoami = await runCli(['whoami', ...at()], env);
    expect(whoami.stderr).toBe('');
    expect(whoami.code).toBe(0);
    const token = store.get(sandbox.url)?.clientToken ?? '';
    expect(whoami.stdout + servers.map((s) => s.stderr()).join('')).not.toContain(token);
  });

  it('2 and 3 servers writing at the same moment: every write succeeds once, and the file stays usable', async () => {
    const { env } = await signedIn();
    const mcp = await startServers(3, env);
    let n = 0;
    const results: CallToolResult[] = [];
    for (let round = 0; round < 5; round++) {
      // Two at once, then all three at once: each burst leaves all but one server with a stale token.
      results.push(...(await Promise.all(mcp.slice(0, 2).map((server) => create(server, n++)))));
      results.push(...(await Promise.all(mcp.map((server) => create(server, n++)))));
    }
    expect(failures(results)).toEqual([]);
    const pending = (await list(mcp[2]!)).structuredContent as { total_count: number };
    expect(pending.total_count).toBe(2 + n);
    const whoami = await runCli(['whoami', ...at()], env);
    expect(whoami.code).toBe(0);
  });
});
