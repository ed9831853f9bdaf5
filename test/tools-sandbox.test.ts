import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCapability } from '../src/engine/load.js';
import { startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { connect, text, type Connected } from './helpers/connect.js';
import { SEED } from './helpers/seed.js';

interface Invitation {
  id: string;
  email_address: string;
  status: string;
  role: string;
}
interface List {
  data: Invitation[];
  total_count: number;
}

let sandbox: Sandbox;
let mcp: Connected;
let outputs: string[];
let tokens: Set<string>;
const org = 'org_sandbox';

async function call(name: string, args: Record<string, unknown>) {
  const result = await mcp.call(name, args);
  outputs.push(JSON.stringify(result));
  tokens.add(sandbox.clientToken); // every token the sandbox rotated through
  return result;
}

async function open(capabilityFile?: string): Promise<void> {
  sandbox = await startSandbox();
  tokens.add(sandbox.clientToken);
  mcp = await connect(
    { baseUrl: sandbox.url, clientToken: sandbox.clientToken, sessionId: sandbox.sessionId },
    capabilityFile ? loadCapability(capabilityFile) : loadCapability(),
  );
}

beforeEach(() => {
  outputs = [];
  tokens = new Set();
});
afterEach(async () => {
  // Whatever a test did, no tool output may carry a token or a session JWT.
  for (const output of outputs) {
    for (const token of tokens) expect(output).not.toContain(token);
    expect(output).not.toContain(sandbox.sessionJwt);
  }
  await mcp.close();
  await sandbox.close();
});

describe('the bundled capability against the sandbox', () => {
  beforeEach(() => open());

  it('runs the invitation lifecycle: list, create, refuse a duplicate, bulk, pending, revoke', async () => {
    const all = (await call('getOrganizationInvitations', { organization_id: org })).structuredContent as unknown as List;
    expect(all.total_count).toBe(5);

    const created = (await call('createOrganizationInvitations', { organization_id: org, email_address: 'new@example.com', role: 'org:basic_member', notify: false }))
      .structuredContent as unknown as Invitation;
    expect(created).toMatchObject({ email_address: 'new@example.com', status: 'pending', role: 'org:basic_member' });

    const duplicate = await call('createOrganizationInvitations', { organization_id: org, email_address: 'new@example.com', role: 'org:basic_member' });
    expect(duplicate.isError).toBe(true);
    expect(text(duplicate)).toContain('duplicate_record');

    const bulk = (await call('bulkCreateOrganizationInvitations', { organization_id: org, email_address: ['x@example.com', 'y@example.com'], role: 'org:admin' }))
      .structuredContent as unknown as List;
    expect(bulk.data.map((i) => i.email_address).sort()).toEqual(['x@example.com', 'y@example.com']);
    expect(bulk.total_count).toBe(2);

    const pending = (await call('getAllPendingOrganizationInvitations', { organization_id: org })).structuredContent as unknown as List;
    expect(pending.data.map((i) => i.email_address).sort()).toEqual(['alice@example.com', 'bob@example.com', 'new@example.com', 'x@example.com', 'y@example.com']);

    const revoked = (await call('revokePendingOrganizationInvitation', { organization_id: org, invitation_id: created.id })).structuredContent as unknown as Invitation;
    expect(revoked.status).toBe('revoked');
    const again = await call('revokePendingOrganizationInvitation', { organization_id: org, invitation_id: created.id });
    expect(text(again)).toContain('organization_invitation_not_pending');

    const stillPending = (await call('getOrganizationInvitations', { organization_id: org, status: 'pending', limit: 2, offset: 0 })).structuredContent as unknown as List;
    expect(stillPending.total_count).toBe(4);
    expect(stillPending.data).toHaveLength(2);
  });

  it('keeps working across token rotations (the sandbox refuses a token two rotations old)', async () => {
    const initial = sandbox.clientToken;
    for (const email of ['r1@example.com', 'r2@example.com', 'r3@example.com']) {
      expect((await call('createOrganizationInvitations', { organization_id: org, email_address: email, role: 'org:basic_member' })).isError).toBeFalsy();
    }
    expect(sandbox.clientToken).not.toBe(initial);
    expect(mcp.clerk.clientToken).toBe(sandbox.clientToken);
    expect((await call('getOrganizationInvitations', { organization_id: org })).isError).toBeFalsy();
  });

  it('passes on Clerk\'s refusals with their codes and hints', async () => {
    const forbidden = await call('getOrganizationInvitations', { organization_id: 'org_readonly' });
    expect(text(forbidden)).toMatch(/403 Forbidden[\s\S]*missing_organization_permission[\s\S]*lacks permission org:sys_memberships:manage/);
    const unknown = await call('getOrganizationInvitations', { organization_id: 'org_nope' });
    expect(text(unknown)).toMatch(/404[\s\S]*organization_not_found_or_unauthorized/);
    const member = await call('createOrganizationInvitations', { organization_id: org, email_address: 'member@sandbox.test', role: 'org:admin' });
    expect(text(member)).toContain('already_a_member_in_organization');
    const role = await call('createOrganizationInvitations', { organization_id: org, email_address: 'z@example.com', role: 'org:owner' });
    expect(text(role)).toMatch(/404[\s\S]*resource_not_found[\s\S]*does not know the role "org:owner"[\s\S]*GET \/v1\/organizations\/\{organization_id\}\/roles/);
    expect(text(role)).not.toContain('Check organization_id');
  });
});

describe('the seed capability, loaded as it is', () => {
  beforeEach(() => open(SEED));

  it('gives five working tools, its body parameter sent as the form body', async () => {
    const list = await call('getOrganizationInvitations', { organization_id: org, status: 'pending' });
    expect(list.isError).toBeFalsy();
    expect(JSON.stringify(list.structuredContent)).toContain('alice@example.com');

    const created = await call('createOrganizationInvitations', { organization_id: org, body: { email_address: 'seed@example.com', role: 'org:admin', notify: false } });
    expect(created.isError).toBeFalsy();
    const invitation = (created.structuredContent as { response: Invitation }).response;
    expect(invitation).toMatchObject({ email_address: 'seed@example.com', status: 'pending' });

    const bulk = await call('bulkCreateOrganizationInvitations', { organization_id: org, body: { email_address: ['s1@example.com', 's2@example.com'], role: 'org:basic_member' } });
    expect(bulk.isError).toBeFalsy();
    expect((bulk.structuredContent as { response: Invitation[] }).response).toHaveLength(2);

    const pending = await call('getAllPendingOrganizationInvitations', { organization_id: org });
    expect((pending.structuredContent as { response: Invitation[] }).response.map((i) => i.email_address)).toContain('seed@example.com');

    const revoked = await call('revokePendingOrganizationInvitation', { organization_id: org, invitation_id: invitation.id });
    expect((revoked.structuredContent as { response: Invitation }).response.status).toBe('revoked');
  });

  it('refuses a nested object in the body before sending it', async () => {
    const result = await call('createOrganizationInvitations', { organization_id: org, body: { email_address: { nested: 'x' } } });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('body');
  });
});
