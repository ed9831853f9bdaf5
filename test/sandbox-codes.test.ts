import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_BACKUP_CODE, SANDBOX_PASSWORD, SANDBOX_USERS, startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { connect, text, type Connected } from './helpers/connect.js';

let sandbox: Sandbox;
let mcp: Connected | undefined;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  await mcp?.close();
  mcp = undefined;
  await sandbox.close();
});

interface Answer {
  status: number;
  token: string | null;
  body: { response?: { id: string; status: string; role?: string; role_name?: string }; errors?: { code: string; meta: Record<string, unknown> }[] };
}

async function post(path: string, form: [string, string][], token: string | null): Promise<Answer> {
  const res = await fetch(`${sandbox.url}${path}?_is_native=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, token: res.headers.get('authorization'), body: (await res.json()) as Answer['body'] };
}

describe('roles, as current Clerk instances have them', () => {
  it('invites with org:member, and still with an older instance\'s org:basic_member', async () => {
    mcp = await connect({ baseUrl: sandbox.url, clientToken: sandbox.clientToken, sessionId: sandbox.sessionId });
    for (const [email, role] of [['current@example.com', 'org:member'], ['older@example.com', 'org:basic_member']]) {
      const result = await mcp.call('createOrganizationInvitations', { organization_id: 'org_sandbox', email_address: email, role });
      expect(result.isError, text(result)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ email_address: email, role, role_name: 'Member' });
    }
    const seeded = await mcp.call('getOrganizationInvitations', { organization_id: 'org_sandbox', status: 'accepted' });
    expect(seeded.structuredContent).toMatchObject({ data: [{ email_address: 'carol@example.com', role: 'org:member' }] });
  });

  it('answers an unknown role with 404 resource_not_found naming the role parameter, and the tool names the role', async () => {
    const raw = await post('/v1/organizations/org_sandbox/invitations', [['email_address', 'x@example.com'], ['role', 'org:owner']], sandbox.clientToken);
    expect(raw.status).toBe(404);
    expect(raw.body.errors?.[0]).toMatchObject({ code: 'resource_not_found', meta: { param_name: 'role' } });
    mcp = await connect({ baseUrl: sandbox.url, clientToken: raw.token ?? sandbox.clientToken, sessionId: sandbox.sessionId });
    const result = await mcp.call('bulkCreateOrganizationInvitations', { organization_id: 'org_sandbox', email_address: ['y@example.com'], role: 'org:viewer' });
    expect(text(result)).toContain('does not know the role "org:viewer"');
    expect(text(result)).toContain('GET /v1/organizations/{organization_id}/roles');
  });
});

describe('the backup code', () => {
  it('works once, as on Clerk: a second use is refused with form_code_incorrect', async () => {
    const useBackupCode = async (): Promise<Answer> => {
      const started = await post('/v1/client/sign_ins', [['strategy', 'password'], ['identifier', SANDBOX_USERS.mfa.email], ['password', SANDBOX_PASSWORD]], null);
      expect(started.body.response?.status).toBe('needs_second_factor');
      const signInId = started.body.response?.id ?? '';
      return post(`/v1/client/sign_ins/${signInId}/attempt_second_factor`, [['strategy', 'backup_code'], ['code', SANDBOX_BACKUP_CODE]], started.token);
    };
    const first = await useBackupCode();
    expect(first.status).toBe(200);
    expect(first.body.response?.status).toBe('complete');
    const second = await useBackupCode();
    expect(second.status).toBe(422);
    expect(second.body.errors?.[0]).toMatchObject({ code: 'form_code_incorrect', meta: { param_name: 'code' } });
  });
});
