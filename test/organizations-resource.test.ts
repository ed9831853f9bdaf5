import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Connected } from './helpers/connect.js';
import { CLIENT_TOKEN, clerkErrors, envelope, startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';

const MANAGE = 'org:sys_memberships:manage';
const membership = (i: number, role: string, permissions: string[]) => ({
  object: 'organization_membership',
  id: `orgmem_${i}`,
  role,
  role_name: role === 'org:admin' ? 'Admin' : 'Member',
  permissions,
  organization: { object: 'organization', id: `org_${i}`, name: `Org ${i}`, slug: `org-${i}` },
  public_user_data: { identifier: 'ann@example.com', user_id: 'user_1' },
});

let fake: FakeClerk | undefined;
let connected: Connected | undefined;
afterEach(async () => {
  await connected?.close();
  connected = fake = undefined;
});

describe('the clerk://organizations resource', () => {
  it('is listed, and the instructions tell agents to look organization ids up there', async () => {
    fake = await startFakeClerk(() => ({ json: envelope([]) }));
    connected = await connect({ baseUrl: fake.url });
    const { resources } = await connected.client.listResources();
    expect(resources).toEqual([expect.objectContaining({ uri: 'clerk://organizations', name: 'organizations', mimeType: 'application/json' })]);
    expect(connected.client.getInstructions()).toMatch(/When the user names an organization rather than giving its id, read the resource clerk:\/\/organizations/);
  });

  it('lists the organizations where the user may manage members (id, name, slug, role), across pages', async () => {
    // 101 memberships: one page of 100, then one more; org_1 is not manageable.
    const all = Array.from({ length: 101 }, (_, i) => (i === 1 ? membership(i, 'org:basic_member', ['org:sys_memberships:read']) : membership(i, 'org:admin', [MANAGE])));
    fake = await startFakeClerk((r) => {
      const offset = Number(r.query.get('offset'));
      return { json: envelope({ data: all.slice(offset, offset + Number(r.query.get('limit'))), total_count: all.length }) };
    });
    connected = await connect({ baseUrl: fake.url });
    const result = await connected.client.readResource({ uri: 'clerk://organizations' });
    const body = JSON.parse((result.contents[0] as { text: string }).text) as { organizations: unknown[]; note?: string };
    expect(body.organizations).toHaveLength(100);
    expect(body.organizations[0]).toEqual({ id: 'org_0', name: 'Org 0', slug: 'org-0', role: 'org:admin' });
    expect(body.organizations).not.toContainEqual(expect.objectContaining({ id: 'org_1' }));
    expect(body.note).toMatch(/also belongs to 1 organization\(s\) without permission to manage members/);
    expect(fake.requests.map((r) => [r.method, r.path, r.query.get('paginated'), r.query.get('limit'), r.query.get('offset')])).toEqual([
      ['GET', '/v1/me/organization_memberships', 'true', '100', '0'],
      ['GET', '/v1/me/organization_memberships', 'true', '100', '100'],
    ]);
  });

  it('accepts the bare-array shape the spec also allows', async () => {
    fake = await startFakeClerk(() => ({ json: envelope([membership(7, 'org:admin', [MANAGE])]) }));
    connected = await connect({ baseUrl: fake.url });
    const result = await connected.client.readResource({ uri: 'clerk://organizations' });
    expect(JSON.parse((result.contents[0] as { text: string }).text)).toEqual({ organizations: [{ id: 'org_7', name: 'Org 7', slug: 'org-7', role: 'org:admin' }] });
  });

  it('fails with what Clerk said and what to do, never the token', async () => {
    fake = await startFakeClerk(() => ({ status: 401, json: clerkErrors({ code: 'signed_out', long_message: `signed out ${CLIENT_TOKEN}` }) }));
    connected = await connect({ baseUrl: fake.url });
    const read = connected.client.readResource({ uri: 'clerk://organizations' });
    await expect(read).rejects.toThrow(/reading clerk:\/\/organizations failed: Clerk answered 401 Unauthorized to GET \/v1\/me\/organization_memberships[\s\S]*sign in again with `.+ login`/);
    await expect(read).rejects.not.toThrow(CLIENT_TOKEN);
  });
});
