import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { freshConfig } from './helpers/cli.js';
import { killHttpBins, startHttpBin, type HttpBin } from './helpers/http-bin.js';

// `serve --http` with no sign-in: the sign-in page (on this machine's 127.0.0.1) is offered to
// clients only when the server itself listens on loopback.

afterEach(() => killHttpBins());

/** A 2026-07-28 client that can open URLs, recording the URLs it is sent to (and declining them). */
async function connect(bin: HttpBin, host: string): Promise<{ client: Client; asked: string[] }> {
  const asked: string[] = [];
  const client = new Client({ name: 'http-sign-in', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
  client.setRequestHandler('elicitation/create', (request) => {
    if (request.params.mode === 'url') asked.push(request.params.url);
    return { action: 'decline' };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://${host}:${new URL(bin.url).port}/mcp`), { requestInit: { headers: { authorization: `Bearer ${bin.secret ?? ''}` } } }));
  return { client, asked };
}

const list = (client: Client): Promise<CallToolResult> => client.callTool({ name: 'getOrganizationInvitations', arguments: { organization_id: 'org_1' } }) as Promise<CallToolResult>;

describe('serve --http and the sign-in page', () => {
  it('offers the page on a loopback bind', async () => {
    const bin = await startHttpBin([], { ...freshConfig().env, CLERK_FRONTEND_API_URL: 'http://127.0.0.1:9' });
    const { client, asked } = await connect(bin, '127.0.0.1');
    const result = await list(client);
    expect(asked).toHaveLength(1);
    expect(JSON.stringify(result.content)).toContain('the user did not open the sign-in page');
    await client.close();
  });

  it('does not offer it when bound beyond loopback: the tool answers how to sign in, and no page is started', async () => {
    const bin = await startHttpBin(['--host', '0.0.0.0', '--allowed-hosts', '127.0.0.1'], { ...freshConfig().env, CLERK_FRONTEND_API_URL: 'http://127.0.0.1:9' });
    expect(bin.stderr()).toContain('the sign-in page is not offered to clients: --host 0.0.0.0 is not a loopback address');
    const { client, asked } = await connect(bin, '127.0.0.1');
    const result = await list(client);
    expect(asked).toEqual([]);
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('no Clerk client token');
    await client.close();
  });
});
