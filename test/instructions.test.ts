import { afterEach, describe, expect, it } from 'vitest';
import { loadCapability } from '../src/engine/load.js';
import { selectOperations, type ToolSelection } from '../src/engine/select.js';
import { connect, type Connected } from './helpers/connect.js';
import { startRawServer, type RawServer } from './helpers/raw-server.js';

const LISTS = ['getOrganizationInvitations', 'getAllPendingOrganizationInvitations'];
const CREATES = ['createOrganizationInvitations', 'bulkCreateOrganizationInvitations'];

let connected: Connected | undefined;
let server: RawServer | undefined;
afterEach(async () => {
  await connected?.close();
  connected = undefined;
  server?.child.kill('SIGKILL');
  await server?.exited;
  server = undefined;
});

/** The instructions an SDK client gets at initialize from a server serving this selection. */
async function instructionsFor(selection: ToolSelection): Promise<string> {
  // No request reaches Clerk: initialize alone is answered by the server.
  connected = await connect({ baseUrl: 'http://127.0.0.1:9' }, selectOperations(loadCapability(), selection));
  return connected.client.getInstructions() ?? '';
}

describe('the server instructions', () => {
  it('advise listing, creating, and say where organization ids come from, with every tool served', async () => {
    const text = await instructionsFor({});
    for (const name of [...LISTS, ...CREATES]) expect(text).toContain(name);
    expect(text).toContain('before changing anything');
    expect(text).toContain('emails the person unless notify is false');
    expect(text).toContain('list first, an invitation may already exist');
    expect(text).toContain('read the resource clerk://organizations');
  });

  it('with --read-only, say nothing of creating or revoking, and name the list tools', async () => {
    const text = await instructionsFor({ readOnly: true });
    expect(text).not.toMatch(/creat|revok|chang|notify/i);
    expect(text).toContain('list invitations with getOrganizationInvitations (filter with status=pending) or getAllPendingOrganizationInvitations.');
    expect(text).toContain('read the resource clerk://organizations');
  });

  it('with --tools, name only the tools served and advise only what they can do', async () => {
    const revokeOnly = await instructionsFor({ tools: { names: ['revokePendingOrganizationInvitation'], from: '--tools' } });
    for (const name of [...LISTS, ...CREATES]) expect(revokeOnly).not.toContain(name);
    expect(revokeOnly).not.toMatch(/list invitations|list first|creat|notify/i);
    await connected?.close();

    const createOnly = await instructionsFor({ tools: { names: ['createOrganizationInvitations'], from: '--tools' } });
    expect(createOnly).toContain('Creating an invitation (createOrganizationInvitations) emails the person unless notify is false');
    for (const name of [...LISTS, 'bulkCreateOrganizationInvitations']) expect(createOnly).not.toContain(name);
    expect(createOnly).not.toMatch(/list invitations|list first/);
  });

  it('are the same from the built bin, which answers initialize before the SDK has loaded', async () => {
    server = startRawServer({ CLERK_FRONTEND_API_URL: 'http://127.0.0.1:9', CLERK_CLIENT_TOKEN: 'token' }, ['--read-only']);
    server.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    const answer = (await server.answer(1)) as { result?: { instructions?: string } };
    expect(answer.result?.instructions).toBe(await instructionsFor({ readOnly: true }));
    expect(answer.result?.instructions).not.toMatch(/creat/i);
  });
});
