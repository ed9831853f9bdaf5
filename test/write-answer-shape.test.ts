import { afterEach, describe, expect, it } from 'vitest';
import { connect, text, type Connected } from './helpers/connect.js';
import { envelope, invitation, startFakeClerk, type FakeClerk, type Handler } from './helpers/fake-clerk.js';

// A write that Clerk answered with success has happened, whatever its answer looks like: an answer
// that does not fit the tool's output schema, or that cannot be shaped at all (nested 20 000 deep),
// must say the write took effect, so that no agent repeats it (a create twice invites twice).

let fake: FakeClerk | undefined;
let connected: Connected | undefined;
afterEach(async () => {
  await connected?.close();
  connected = fake = undefined;
});

const CREATE = { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:member' };
// Written as text: JSON.stringify itself cannot go 20 000 deep.
const deepAnswer = (depth: number): string => {
  const envelopeText = JSON.stringify(envelope(invitation({ public_metadata: { deep: '@' } })));
  return envelopeText.replace('"@"', `${'['.repeat(depth)}"bottom"${']'.repeat(depth)}`);
};

async function callCreate(handler: Handler): Promise<{ message: string; isError: boolean }> {
  fake = await startFakeClerk(handler);
  connected = await connect({ baseUrl: fake.url });
  const result = await connected.call('createOrganizationInvitations', CREATE);
  return { message: text(result), isError: result.isError === true };
}

describe('a create that Clerk answered with success but an unexpected answer', () => {
  it.each([
    ['a field of the wrong type', () => ({ json: envelope(invitation({ expires_at: 'soon' })) })],
    ['a field nested 20 000 deep', () => ({ text: deepAnswer(20_000), headers: { 'content-type': 'application/json' } })],
  ] as const)('(%s) says the invitation was created and must not be created again; it is sent once', async (_what, reply) => {
    const { message, isError } = await callCreate(reply);
    expect(isError).toBe(true);
    expect(message).toMatch(/Clerk answered with success to POST \/v1\/organizations\/org_1\/invitations: it was done/);
    expect(message).toContain('Do not repeat it');
    expect(fake?.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});
