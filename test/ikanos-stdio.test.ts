import { readFileSync } from 'node:fs';
import { Client, type CallToolResult, type ClientOptions } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, baseEnv } from './helpers/cli.js';
import { startFakeClerk } from './helpers/fake-clerk.js';
import { TUTORIAL_SECRETS, tutorialCopy } from './helpers/ikanos-tutorial.js';

// The built bin serving Ikanos 1.0.0-beta5 files over stdio, in both protocol eras: the Clerk
// capability (the same contract as the alpha2 file), and the tutorial (plain HTTP, cli/serve-rest.ts).

const ERAS: Record<string, Pick<ClientOptions, 'versionNegotiation' | 'supportedProtocolVersions'>> = {
  '2025-11-25': { versionNegotiation: { mode: 'legacy' }, supportedProtocolVersions: ['2025-11-25'] },
  '2026-07-28': { versionNegotiation: { mode: { pin: '2026-07-28' } } },
};
const IKANOS_CLERK = new URL('../src/engine/clerk-frontend-api-invitations.ikanos.yml', import.meta.url).pathname;

let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

/** Connects in `era`; `stderr()` is what the server logged so far. */
async function connectIn(era: string, args: string[]): Promise<Client & { stderr: () => string }> {
  client = new Client({ name: 'ikanos-stdio', version: '1.0.0' }, ERAS[era]);
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, ...args], env: baseEnv, stderr: 'pipe' });
  let logged = '';
  transport.stderr?.on('data', (chunk: Buffer) => (logged += chunk.toString('utf8')));
  await client.connect(transport);
  expect(client.getNegotiatedProtocolVersion()).toBe(era);
  return Object.assign(client, { stderr: () => logged });
}

describe.each(Object.keys(ERAS))('the built bin, era %s', (era) => {
  it('serves the beta5 Clerk capability with the committed tools/list contract, and runs it', async () => {
    const mcp = await connectIn(era, ['--sandbox', '--capability', IKANOS_CLERK]);
    const { tools } = await mcp.listTools();
    expect(JSON.parse(JSON.stringify(tools))).toStrictEqual(JSON.parse(readFileSync(new URL('contract/tools-list.2025-11-25.json', import.meta.url), 'utf8')));
    const listed = (await mcp.callTool({ name: 'getOrganizationInvitations', arguments: { organization_id: 'org_sandbox' } })) as CallToolResult;
    expect(listed.isError).toBeFalsy();
    expect(listed.structuredContent).toMatchObject({ data: expect.any(Array), total_count: expect.any(Number) });
  });

  it('serves the Ikanos tutorial over plain HTTP: its tools, its instructions, a call with the bound token', async () => {
    const fake = await startFakeClerk(() => ({ json: [{ imo_number: 'IMO 1', vessel_name: 'Ship', vessel_type: 'tug', flag_code: 'NO', operational_status: 'active' }] }));
    const mcp = await connectIn(era, ['--capability', tutorialCopy(fake.url)]);
    expect(mcp.getInstructions()).toContain('Shipyard MCP tools for fleet management');
    expect((await mcp.listTools()).tools.map((t) => t.name)).toEqual(['list-ships', 'get-ship', 'list-legacy-vessels', 'create-voyage']);
    // No Clerk resource for an API that is not Clerk's.
    expect(mcp.getServerCapabilities()?.resources).toBeUndefined();
    const result = (await mcp.callTool({ name: 'list-ships', arguments: {} })) as CallToolResult;
    expect(result.structuredContent).toEqual({ data: [{ imo: 'IMO 1', name: 'Ship', type: 'tug', flag: 'NO', status: 'active' }], total_count: 1 });
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${TUTORIAL_SECRETS['registry-bearer-token']}`);
  });

  it('keeps every bound secret out of errors and logs, even when the API echoes the request back', async () => {
    const fake = await startFakeClerk((request) => ({ status: 500, json: { echoed: request.headers, path: request.rawPath } }));
    const mcp = await connectIn(era, ['--capability', tutorialCopy(fake.url)]);
    const results = [await mcp.callTool({ name: 'list-ships', arguments: {} }), await mcp.callTool({ name: 'list-legacy-vessels', arguments: {} })] as CallToolResult[];
    const said = JSON.stringify(results);
    expect(results.every((r) => r.isError)).toBe(true);
    expect(said).toContain('[redacted]');
    await mcp.close();
    expect(mcp.stderr()).toContain('serving 4 tools');
    for (const secret of [TUTORIAL_SECRETS['registry-bearer-token'], TUTORIAL_SECRETS['dockyard-api-key'], TUTORIAL_SECRETS['registry-api-version']]) {
      expect(said).not.toContain(secret);
      expect(mcp.stderr()).not.toContain(secret);
    }
  });
});
