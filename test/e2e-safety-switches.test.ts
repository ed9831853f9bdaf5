import { spawnSync } from 'node:child_process';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import type { ElicitResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, baseEnv } from './helpers/cli.js';

const ALL = 'createOrganizationInvitations, getOrganizationInvitations, bulkCreateOrganizationInvitations, getAllPendingOrganizationInvitations, revokePendingOrganizationInvitation';

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { env: { ...baseEnv, ...env }, input: '', encoding: 'utf8', timeout: 15_000 });
}

let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

/** Starts the built server in sandbox mode; with `answer`, the client declares elicitation and answers with it. */
async function connectBin(args: string[], env: Record<string, string> = {}, answer?: ElicitResult): Promise<{ client: Client; stderr: () => string; asked: string[] }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, '--sandbox', ...args], env: { ...baseEnv, ...env }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const asked: string[] = [];
  client = new Client({ name: 'e2e', version: '1.0.0' }, answer ? { capabilities: { elicitation: {} } } : {});
  if (answer) {
    client.setRequestHandler('elicitation/create', (request) => {
      asked.push('message' in request.params ? request.params.message : '');
      return answer;
    });
  }
  await client.connect(transport);
  return { client, stderr: () => stderr, asked };
}

const names = async (c: Client): Promise<string[]> => (await c.listTools()).tools.map((t) => t.name);

describe('the built server: which tools it serves', () => {
  it('serves only the read-only tools with --read-only, and says so on stderr', async () => {
    const { client, stderr } = await connectBin(['--read-only']);
    expect(await names(client)).toEqual(['getOrganizationInvitations', 'getAllPendingOrganizationInvitations']);
    expect(stderr()).toContain('serving 2 of 5 tools: getOrganizationInvitations, getAllPendingOrganizationInvitations');
  });

  it('serves only the tools CLERK_TOOLS names, with CLERK_READ_ONLY=1', async () => {
    const { client } = await connectBin([], { CLERK_TOOLS: 'getOrganizationInvitations', CLERK_READ_ONLY: '1' });
    expect(await names(client)).toEqual(['getOrganizationInvitations']);
  });

  it('exits 2 for an unknown --tools name, with one stderr line listing the valid ones', () => {
    const result = run(['--sandbox', '--tools', 'getOrganizationInvitations,deleteEverything']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`clerk-invitations-mcp: --tools: unknown tool "deleteEverything". Valid names: ${ALL}.\n`);
    expect(result.stdout).toBe('');
  });

  it('exits 2 when --read-only meets a --tools name that changes something, naming it', () => {
    const result = run(['--read-only', '--tools', 'getOrganizationInvitations,revokePendingOrganizationInvitation']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^clerk-invitations-mcp: --tools names revokePendingOrganizationInvitation, which changes something, but --read-only serves only: [^\n]*\n$/);
    expect(result.stdout).toBe('');
  });

  it('exits 2 for an empty CLERK_TOOLS', () => {
    const result = run(['--sandbox'], { CLERK_TOOLS: ' , ' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^clerk-invitations-mcp: CLERK_TOOLS is empty: name at least one of /);
    expect(result.stdout).toBe('');
  });

  it('documents the switches in --help', () => {
    const result = run(['--help']);
    for (const word of ['--read-only', '--tools <names>', '--no-confirm', 'CLERK_READ_ONLY', 'CLERK_TOOLS', 'CLERK_CONFIRM']) expect(result.stdout).toContain(word);
  });
});

describe('the built server: confirmations', () => {
  const pendingIds = async (c: Client): Promise<string[]> => {
    const result = await c.callTool({ name: 'getOrganizationInvitations', arguments: { organization_id: 'org_sandbox', status: 'pending' } });
    return (result.structuredContent as { data: { id: string }[] }).data.map((i) => i.id);
  };

  it('revokes nothing when the user declines', async () => {
    const { client, asked } = await connectBin([], {}, { action: 'decline' });
    const [id] = await pendingIds(client);
    const result = await client.callTool({ name: 'revokePendingOrganizationInvitation', arguments: { organization_id: 'org_sandbox', invitation_id: id } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('the user declined. Nothing was sent to Clerk.');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain(`invitation_id: "${id}"`);
    expect(await pendingIds(client)).toContain(id);
  });

  it('revokes without asking with --no-confirm', async () => {
    const { client, asked } = await connectBin(['--no-confirm'], {}, { action: 'decline' });
    const [id] = await pendingIds(client);
    const result = await client.callTool({ name: 'revokePendingOrganizationInvitation', arguments: { organization_id: 'org_sandbox', invitation_id: id } });
    expect(result.isError).toBeFalsy();
    expect(asked).toHaveLength(0);
    expect(await pendingIds(client)).not.toContain(id);
  });
});
