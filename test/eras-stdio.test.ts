import { readFileSync } from 'node:fs';
import { Client, type CallToolResult, type ClientOptions, type ElicitResult } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, baseEnv } from './helpers/cli.js';

// One built server, two protocol eras: the SDK v2 client pinned to each, over stdio, against the
// sandbox (--sandbox: a simulated Clerk in the server's process, fresh for each connection).
const ERAS: Record<string, Pick<ClientOptions, 'versionNegotiation' | 'supportedProtocolVersions'>> = {
  '2025-11-25': { versionNegotiation: { mode: 'legacy' }, supportedProtocolVersions: ['2025-11-25'] },
  '2026-07-28': { versionNegotiation: { mode: { pin: '2026-07-28' } } },
};

const ORG = 'org_sandbox';
const ALICE = 'orginv_sandboxalice000000000000000';
const YES: ElicitResult = { action: 'accept', content: { confirm: true } };
const NO: ElicitResult = { action: 'decline' };

let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

/** Connects in `era`; each question is recorded and answered with the next of `answers`. */
async function connectIn(era: string, answers: ElicitResult[]): Promise<{ client: Client; asked: string[] }> {
  const asked: string[] = [];
  client = new Client({ name: 'eras', version: '1.0.0' }, { capabilities: { elicitation: {} }, ...ERAS[era] });
  client.setRequestHandler('elicitation/create', (request) => {
    asked.push('message' in request.params ? request.params.message : '');
    return answers.shift() ?? NO;
  });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, '--sandbox'], env: baseEnv, stderr: 'pipe' }));
  return { client, asked };
}

// New invitations get random ids and the clock's timestamps (in structuredContent and in the text):
// the same run in two eras differs only there, and in the server's name that 2026-07-28 results
// carry in `_meta` (the protocol's, not the tool's).
const normalized = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (key, v: unknown) => (key === '_meta' ? undefined : v))
      .replace(/orginv_(?!sandbox)[A-Za-z0-9]+/g, 'orginv_new')
      .replace(/(\\?"(?:created_at|updated_at|expires_at)\\?":)\d+/g, (_, field: string) => `${field}0`),
  );

/** Every tool, the resource, and the confirmations (a no, then a yes), as one transcript. */
async function transcript(era: string) {
  const { client, asked } = await connectIn(era, [NO, YES, NO, YES]);
  expect(client.getNegotiatedProtocolVersion()).toBe(era);
  // What initialize answers in 2025, server/discover in 2026-07-28.
  const server = { capabilities: client.getServerCapabilities(), instructions: client.getInstructions() };
  expect(server.instructions).toContain('clerk://organizations');
  expect(server.capabilities).toMatchObject({ tools: {}, resources: {} });
  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  const pending = async () => (await call('getAllPendingOrganizationInvitations', { organization_id: ORG })).structuredContent;
  const steps: [string, unknown][] = [['server', server]];
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual([
    'bulkCreateOrganizationInvitations',
    'createOrganizationInvitations',
    'getAllPendingOrganizationInvitations',
    'getOrganizationInvitations',
    'revokePendingOrganizationInvitation',
  ]);
  // The committed contract (test/contract), in either era.
  expect(JSON.parse(JSON.stringify(tools))).toStrictEqual(JSON.parse(readFileSync(new URL('contract/tools-list.2025-11-25.json', import.meta.url), 'utf8')));
  steps.push(['tools', tools]);
  steps.push(['resource', (await client.readResource({ uri: 'clerk://organizations' })).contents]);
  steps.push(['list', await call('getOrganizationInvitations', { organization_id: ORG, limit: 10 })]);
  const before = await pending();
  steps.push(['create', await call('createOrganizationInvitations', { organization_id: ORG, email_address: 'new.hire@example.com', role: 'org:member', notify: false })]);
  const bulk = { organization_id: ORG, email_address: ['ana@example.com', 'ben@example.com'], role: 'org:admin', notify: false };
  const revoke = { organization_id: ORG, invitation_id: ALICE };
  const declinedBulk = await call('bulkCreateOrganizationInvitations', bulk);
  const afterNo = await pending();
  steps.push(['bulk: no', declinedBulk], ['bulk: yes', await call('bulkCreateOrganizationInvitations', bulk)]);
  const declinedRevoke = await call('revokePendingOrganizationInvitation', revoke);
  const afterRevokeNo = await pending();
  steps.push(['revoke: no', declinedRevoke], ['revoke: yes', await call('revokePendingOrganizationInvitation', revoke)]);
  steps.push(['pending', await pending()], ['asked', asked]);
  return { steps: normalized(steps), before, afterNo, afterRevokeNo, declinedBulk, declinedRevoke, asked };
}

describe('both protocol eras on one stdio server (the built bin, --sandbox)', () => {
  it('serves the same tools, resource, results and confirmations to a 2025-11-25 client and a 2026-07-28 client', async () => {
    const legacy = await transcript('2025-11-25');
    await client?.close();
    const modern = await transcript('2026-07-28');

    for (const run of [legacy, modern]) {
      // A no sends nothing: the pending list is as it was, but for the single create in between.
      expect(run.declinedBulk).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('the user declined. Nothing was sent to Clerk.') }] });
      expect(run.declinedRevoke).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('the user declined. Nothing was sent to Clerk.') }] });
      const emails = (list: unknown): string[] => (list as { data: { email_address: string }[] }).data.map((i) => i.email_address).sort();
      expect(emails(run.afterNo)).toEqual([...emails(run.before), 'new.hire@example.com'].sort());
      expect(emails(run.afterRevokeNo)).toContain('alice@example.com');
      // Four questions (bulk no/yes, revoke no/yes); the revoke's names who, as what, and where.
      expect(run.asked).toHaveLength(4);
      expect(run.asked[2]).toContain('Invitation for "alice@example.com", role "org:member"');
      expect(run.asked[2]).toContain('Organization "Sandbox Inc" ("org_sandbox")');
      expect(run.asked[0]).toContain('email_address (2): "ana@example.com", "ben@example.com"');
    }
    const final = (modern.steps as [string, unknown][]).find(([step]) => step === 'pending')?.[1] as { data: { email_address: string }[] };
    expect(final.data.map((i) => i.email_address).sort()).toEqual(['ana@example.com', 'ben@example.com', 'bob@example.com', 'new.hire@example.com']);
    expect(modern.steps).toEqual(legacy.steps);
  });

  it('does not ask a client of either era that declared no elicitation, and goes ahead', async () => {
    for (const era of Object.keys(ERAS)) {
      client = new Client({ name: 'eras', version: '1.0.0' }, ERAS[era]);
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, '--sandbox'], env: baseEnv, stderr: 'pipe' }));
      const result = (await client.callTool({ name: 'revokePendingOrganizationInvitation', arguments: { organization_id: ORG, invitation_id: ALICE } })) as CallToolResult;
      expect(result.isError, era).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ id: ALICE, status: 'revoked' });
      await client.close();
      client = undefined;
    }
  });
});
