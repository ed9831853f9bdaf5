import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCapability } from '../src/engine/load.js';
import { selectOperations } from '../src/engine/select.js';
import { connect, type Connected } from './helpers/connect.js';
import { envelope, invitation, startFakeClerk, type FakeClerk, type Received } from './helpers/fake-clerk.js';

// The bundled capability in the current format (Ikanos 1.0.0-beta5) must serve what the alpha2 file
// serves: the same tools/list, in both tool selections the contract pins, and the same calls.

const IKANOS_FILE = fileURLToPath(new URL('../src/engine/clerk-frontend-api-invitations.ikanos.yml', import.meta.url));

let fake: FakeClerk | undefined;
const servers: Connected[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  fake = undefined;
});

async function toolsList(file: string | undefined, readOnly: boolean): Promise<unknown> {
  fake ??= await startFakeClerk(() => ({ status: 500, json: {} }));
  const mcp = await connect({ baseUrl: fake.url }, selectOperations(file ? loadCapability(file) : loadCapability(), { readOnly }));
  servers.push(mcp);
  const { tools } = await mcp.client.listTools();
  return JSON.parse(JSON.stringify(tools));
}

describe('the Clerk capability in Ikanos 1.0.0-beta5', () => {
  it('is read as Clerk’s Frontend API', () => {
    expect(loadCapability(IKANOS_FILE).profile).toBe('clerk-frontend-api');
  });

  it.each([false, true])('serves exactly the tools/list of the alpha2 file (read-only: %s)', async (readOnly) => {
    const alpha2 = await toolsList(undefined, readOnly);
    const beta5 = await toolsList(IKANOS_FILE, readOnly);
    expect(beta5).toStrictEqual(alpha2);
    expect((alpha2 as unknown[]).length).toBe(readOnly ? 2 : 5);
  });

  it.each([
    ['createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:member', notify: false }],
    ['getOrganizationInvitations', { organization_id: 'org_1', status: 'pending', limit: 5 }],
    ['revokePendingOrganizationInvitation', { organization_id: 'org_1', invitation_id: 'orginv_1' }],
  ])('calls Clerk as the alpha2 file does: %s', async (tool, args) => {
    const calls: { request: Received; result: unknown }[] = [];
    for (const file of [undefined, IKANOS_FILE]) {
      const clerk = await startFakeClerk((request) => ({ json: envelope(request.method === 'GET' ? { data: [invitation()], total_count: 1 } : invitation()) }));
      const mcp = await connect({ baseUrl: clerk.url }, file ? loadCapability(file) : loadCapability(), { confirm: false });
      servers.push(mcp);
      const result = await mcp.call(tool, args);
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      calls.push({ request: clerk.requests[0]!, result: result.structuredContent });
    }
    const [alpha2, beta5] = calls;
    expect(beta5?.request.method).toBe(alpha2?.request.method);
    expect(beta5?.request.rawPath).toBe(alpha2?.request.rawPath);
    expect(beta5?.request.body).toBe(alpha2?.request.body);
    // The query string (limit, status, _is_native…) and the headers that say what is sent and by whom.
    expect([...(beta5?.request.query ?? [])].sort()).toStrictEqual([...(alpha2?.request.query ?? [])].sort());
    const sent = (r: Received | undefined): unknown => Object.fromEntries(['authorization', 'content-type', 'accept', 'user-agent', 'content-length'].map((h) => [h, r?.headers[h]]));
    expect(sent(beta5?.request)).toStrictEqual(sent(alpha2?.request));
    // The beta5 output maps each field it names: a field Clerk added later is not passed on.
    const named = Object.fromEntries(Object.entries(invitation()).filter(([key]) => key !== 'a_field_clerk_added_later'));
    expect(alpha2?.result).toMatchObject(tool === 'getOrganizationInvitations' ? { data: [invitation()], total_count: 1 } : invitation());
    expect(beta5?.result).toStrictEqual(tool === 'getOrganizationInvitations' ? { data: [named], total_count: 1 } : named);
  });
});
