import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/simulator.js';

// The ids README's Sandbox section gives, known before any sandbox starts.
const SEEDED = {
  alice: 'orginv_sandboxalice000000000000000',
  bob: 'orginv_sandboxbob00000000000000000',
  carol: 'orginv_sandboxcarol000000000000000',
  dave: 'orginv_sandboxdave0000000000000000',
  erin: 'orginv_sandboxerin0000000000000000',
  frank: 'orginv_sandboxfrank000000000000000',
};

const started: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function start(): Promise<Sandbox> {
  const sandbox = await startSandbox();
  started.push(sandbox);
  return sandbox;
}

async function call(sandbox: Sandbox, method: string, path: string, body?: URLSearchParams): Promise<{ status: number; json: { response: unknown } }> {
  const res = await fetch(`${sandbox.url}${path}?_is_native=1`, {
    method,
    headers: { Authorization: `Bearer ${sandbox.clientToken}`, ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
    ...(body ? { body: body.toString() } : {}),
  });
  return { status: res.status, json: (await res.json()) as { response: unknown } };
}

async function listed(sandbox: Sandbox, org: string): Promise<{ id: string; email_address: string; status: string }[]> {
  const { json } = await call(sandbox, 'GET', `/v1/organizations/${org}/invitations`);
  return (json.response as { data: { id: string; email_address: string; status: string }[] }).data;
}

describe('the sandbox\'s seeded invitations', () => {
  it('have the same Clerk-shaped ids in every sandbox', async () => {
    const [one, two] = [await start(), await start()];
    for (const sandbox of [one, two]) {
      // org_readonly (frank@) is not listable by the seeded admin, who is only a member there.
      const ids = Object.fromEntries((await listed(sandbox, 'org_sandbox')).map((i) => [i.email_address.split('@')[0], i.id]));
      expect(ids).toEqual({ alice: SEEDED.alice, bob: SEEDED.bob, carol: SEEDED.carol, dave: SEEDED.dave, erin: SEEDED.erin });
    }
    for (const id of Object.values(SEEDED)) expect(id).toMatch(/^orginv_[0-9A-Za-z]{27}$/);
  });

  it('can be revoked by an id known in advance', async () => {
    const sandbox = await start();
    const revoked = await call(sandbox, 'POST', `/v1/organizations/org_sandbox/invitations/${SEEDED.alice}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.response).toMatchObject({ id: SEEDED.alice, email_address: 'alice@example.com', status: 'revoked' });
  });

  it('while invitations created at run time get fresh random ids', async () => {
    const [one, two] = [await start(), await start()];
    const create = async (sandbox: Sandbox): Promise<string> => {
      const { json } = await call(sandbox, 'POST', '/v1/organizations/org_sandbox/invitations', new URLSearchParams({ email_address: 'new@example.com', role: 'org:basic_member' }));
      return (json.response as { id: string }).id;
    };
    const [a, b] = [await create(one), await create(two)];
    expect(a).toMatch(/^orginv_[0-9A-Za-z]{27}$/);
    expect(a).not.toBe(b);
    expect(Object.values(SEEDED)).not.toContain(a);
  });
});
