import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCapability, parseCapability } from '../src/engine/load.js';
import { parseCli } from '../src/cli/arguments.js';
import { ConfigError, UsageError } from '../src/errors.js';
import { confirmationReason } from '../src/engine/confirm.js';
import { selectOperations } from '../src/engine/select.js';
import { connect, text, type ConnectOptions, type Connected } from './helpers/connect.js';
import { envelope, invitation, startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';

const ALL = [
  'createOrganizationInvitations',
  'getOrganizationInvitations',
  'bulkCreateOrganizationInvitations',
  'getAllPendingOrganizationInvitations',
  'revokePendingOrganizationInvitation',
];
const READ_ONLY = ['getOrganizationInvitations', 'getAllPendingOrganizationInvitations'];

const REVOKE = ['revokePendingOrganizationInvitation', { organization_id: 'org_1', invitation_id: 'orginv_9' }] as const;
const BULK = ['bulkCreateOrganizationInvitations', { organization_id: 'org_1', email_address: ['a@example.com', 'b@example.com', 'c@example.com'], role: 'org:admin' }] as const;

const ANN = invitation({ id: 'orginv_9', email_address: 'ann@example.com', role: 'org:admin' });
const ACME_MEMBERSHIP = { object: 'organization_membership', role: 'org:admin', permissions: ['org:sys_memberships:manage'], organization: { id: 'org_1', name: 'Acme Inc', slug: 'acme' } };

/** What reached Clerk that could change something: the questions' lookups are GETs. */
const writes = (fake: FakeClerk): string[] => fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

let fake: FakeClerk | undefined;
let mcp: Connected | undefined;
afterEach(async () => {
  await mcp?.close();
  mcp = fake = undefined;
});

/**
 * A fake Clerk that accepts everything, and a client connected to it. Its lists are empty, but for
 * what a question looks up: org_1 is "Acme Inc", and orginv_9 (ann@example.com, org:admin) is pending there.
 */
async function setUp(options: ConnectOptions = {}, capability = loadCapability()): Promise<{ fake: FakeClerk; mcp: Connected }> {
  fake = await startFakeClerk((req) => {
    if (req.method === 'GET' && req.path === '/v1/me/organization_memberships') return { json: envelope({ data: [ACME_MEMBERSHIP], total_count: 1 }) };
    if (req.method === 'GET' && req.path === '/v1/organizations/org_1/invitations') return { json: envelope({ data: [ANN], total_count: 1 }) };
    return { json: envelope(req.method === 'GET' ? [] : req.path.endsWith('/bulk') ? [invitation()] : invitation()) };
  });
  mcp = await connect({ baseUrl: fake.url }, capability, options);
  return { fake, mcp };
}

/** A client that answers every elicitation with `result`, recording what it was asked. */
function answering(result: ElicitResult): { asked: ElicitRequest['params'][]; options: ConnectOptions } {
  const asked: ElicitRequest['params'][] = [];
  return {
    asked,
    options: {
      elicit: (params) => {
        asked.push(params);
        return result;
      },
    },
  };
}

const message = (params: ElicitRequest['params'] | undefined): string => (params && 'message' in params ? params.message : '');

describe('--read-only and --tools: which tools are served', () => {
  const listed = async (capability = loadCapability()): Promise<string[]> => {
    const { mcp } = await setUp({}, capability);
    return (await mcp.client.listTools()).tools.map((t) => t.name);
  };

  it('serves every tool by default', async () => {
    expect(await listed(selectOperations(loadCapability(), {}))).toEqual(ALL);
  });

  it('serves only the tools whose hints say they change nothing, with --read-only', async () => {
    expect(await listed(selectOperations(loadCapability(), { readOnly: true }))).toEqual(READ_ONLY);
  });

  it('serves only the listed tools, with --tools', async () => {
    const tools = { names: ['revokePendingOrganizationInvitation', 'getOrganizationInvitations'], from: '--tools' };
    expect(await listed(selectOperations(loadCapability(), { tools }))).toEqual(['getOrganizationInvitations', 'revokePendingOrganizationInvitation']);
  });

  it('answers a call to a tool that is not served with an error, and sends nothing', async () => {
    const { fake, mcp } = await setUp({}, selectOperations(loadCapability(), { readOnly: true }));
    // SDK v2 answers an unknown tool with a JSON-RPC error (-32602), as the protocol now says.
    await expect(mcp.call(...REVOKE)).rejects.toThrow('Tool revokePendingOrganizationInvitation not found');
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses an unknown name, listing the valid ones', () => {
    const select = (): unknown => selectOperations(loadCapability(), { tools: { names: ['getOrganizationInvitations', 'revokeAll'], from: 'CLERK_TOOLS' } });
    expect(select).toThrow(UsageError);
    expect(select).toThrow(`CLERK_TOOLS: unknown tool "revokeAll". Valid names: ${ALL.join(', ')}.`);
  });

  it('refuses, with --read-only, a listed tool that changes something, naming it', () => {
    const select = (): unknown =>
      selectOperations(loadCapability(), { readOnly: true, tools: { names: ['getOrganizationInvitations', 'createOrganizationInvitations'], from: '--tools' } });
    expect(select).toThrow(UsageError);
    expect(select).toThrow(`--tools names createOrganizationInvitations, which changes something, but --read-only serves only: ${READ_ONLY.join(', ')}.`);
  });

  it('refuses an empty list', () => {
    expect(() => selectOperations(loadCapability(), { tools: { names: [], from: '--tools' } })).toThrow(/^--tools is empty: name at least one of createOrganizationInvitations, /);
  });

  it('refuses --read-only when the capability has no read-only operation', () => {
    const writeOnly = parseCapability(
      `naftiko: 1.0.0-alpha2
info: { label: Write only }
capability:
  consumes:
  - type: http
    namespace: w
    resources:
    - name: things
      path: /v1/things
      operations:
      - { name: makeThing, method: POST, description: Makes a thing., outputParameters: [{ name: thing, type: object, value: $.response }] }
`,
      'write-only.yaml',
    );
    expect(() => selectOperations(writeOnly, { readOnly: true })).toThrow('--read-only leaves no tool: write-only.yaml has no read-only operation.');
  });
});

describe('the switches on the command line and in the environment', () => {
  it('is off by default: every tool, confirmations on', () => {
    expect(parseCli([], {})).toMatchObject({ readOnly: false, tools: undefined, confirm: true });
  });

  it('reads the flags, with --tools split on commas and repeatable', () => {
    expect(parseCli(['--read-only', '--tools', ' a, b,,', '--tools', 'c', '--no-confirm'], {})).toMatchObject({
      readOnly: true,
      tools: { names: ['a', 'b', 'c'], from: '--tools' },
      confirm: false,
    });
  });

  it('reads CLERK_READ_ONLY, CLERK_TOOLS and CLERK_CONFIRM, the flag winning over CLERK_TOOLS', () => {
    expect(parseCli([], { CLERK_READ_ONLY: 'true', CLERK_TOOLS: 'a,b', CLERK_CONFIRM: '0' })).toMatchObject({
      readOnly: true,
      tools: { names: ['a', 'b'], from: 'CLERK_TOOLS' },
      confirm: false,
    });
    expect(parseCli(['--tools', 'c'], { CLERK_TOOLS: 'a,b' }).tools).toEqual({ names: ['c'], from: '--tools' });
    expect(parseCli([], { CLERK_READ_ONLY: '0', CLERK_CONFIRM: 'yes' })).toMatchObject({ readOnly: false, confirm: true });
  });

  it('refuses a switch value that is neither on nor off, rather than guess', () => {
    expect(() => parseCli([], { CLERK_READ_ONLY: 'ture' })).toThrow(ConfigError);
    expect(() => parseCli([], { CLERK_CONFIRM: 'never' })).toThrow(/^CLERK_CONFIRM must be 1 or 0/);
  });
});

describe('which tools ask for confirmation, derived from the capability', () => {
  it('asks for the destructive one and the one that takes a list, not for single creates or reads', () => {
    const asking = loadCapability().operations.filter((op) => confirmationReason(op)).map((op) => op.name);
    expect(asking).toEqual(['bulkCreateOrganizationInvitations', 'revokePendingOrganizationInvitation']);
  });

  it('goes by parameters and methods, not by names', () => {
    const capability = parseCapability(
      `naftiko: 1.0.0-alpha2
info: { label: Renamed }
capability:
  consumes:
  - type: http
    namespace: r
    resources:
    - name: people
      path: /v1/people
      operations:
      - name: addPeople
        method: POST
        description: Adds people.
        outputParameters: [{ name: people, type: array, value: $.response }]
        inputParameters: [{ name: emails, in: body, type: array, items: { type: string }, required: true }]
      - name: bulkRevokeLookalike
        method: POST
        description: Adds one person.
        outputParameters: [{ name: person, type: object, value: $.response }]
        inputParameters: [{ name: email, in: body, type: string, required: true }]
      - { name: removePeople, method: DELETE, description: Removes everyone., outputParameters: [{ name: r, type: object, value: $.response }] }
`,
      'renamed.yaml',
    );
    expect(capability.operations.map((op) => [op.name, confirmationReason(op)?.kind])).toEqual([
      ['addPeople', 'bulk'],
      ['bulkRevokeLookalike', undefined],
      ['removePeople', 'destructive'],
    ]);
  });
});

describe('confirmation by elicitation', () => {
  it('asks before revoking, naming the organization and the invitation, and revokes once on yes', async () => {
    const { asked, options } = answering({ action: 'accept', content: { confirm: true } });
    const { fake, mcp } = await setUp(options);
    const result = await mcp.call(...REVOKE);

    expect(result.isError).toBeFalsy();
    expect(asked).toHaveLength(1);
    const text = message(asked[0]);
    expect(text).toContain('Revoke Pending Organization Invitation (revokePendingOrganizationInvitation), destructive: it cannot be undone.');
    // What a person decides on: who was invited, as what, to which organization (looked up first).
    expect(text).toContain('Invitation for "ann@example.com", role "org:admin"');
    expect(text).toContain('Organization "Acme Inc" ("org_1")');
    expect(text).toContain('organization_id: "org_1"');
    expect(text).toContain('invitation_id: "orginv_9"');
    expect(text).toContain('Request: POST /v1/organizations/org_1/invitations/orginv_9/revoke');
    expect(asked[0]).toMatchObject({ mode: 'form' });
    expect(asked[0] && 'requestedSchema' in asked[0] ? asked[0].requestedSchema : undefined).toEqual({
      type: 'object',
      properties: { confirm: { type: 'boolean', title: 'Go ahead', description: 'Do exactly what is described above.', default: false } },
      required: ['confirm'],
    });
    // The lookups are reads, made before the question; the one write is the revoke, after the yes.
    expect(fake.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      ['GET /v1/me/organization_memberships', 'GET /v1/organizations/org_1/invitations', 'POST /v1/organizations/org_1/invitations/orginv_9/revoke'],
    );
    expect(fake.requests.at(-1)?.path).toBe('/v1/organizations/org_1/invitations/orginv_9/revoke');
  });

  it('still asks, naming the ids, when the invitation and the organization cannot be looked up', async () => {
    const { asked, options } = answering({ action: 'accept', content: { confirm: true } });
    fake = await startFakeClerk((req) => (req.method === 'GET' ? { status: 500, json: {} } : { json: envelope(invitation()) }));
    mcp = await connect({ baseUrl: fake.url }, loadCapability(), options);
    const result = await mcp.call(...REVOKE);
    expect(result.isError).toBeFalsy();
    expect(message(asked[0])).toContain('Invitation "orginv_9": its address and role could not be looked up');
    expect(message(asked[0])).toContain('Organization "org_1": its name could not be looked up');
    // The failed lookups sent nothing; the revoke went out on the yes, once.
    expect(writes(fake)).toEqual(['POST /v1/organizations/org_1/invitations/orginv_9/revoke']);
  });

  it('asks before bulk-creating, listing the count, every address, the role and whether emails go out', async () => {
    const { asked, options } = answering({ action: 'accept', content: { confirm: true } });
    const { fake, mcp } = await setUp(options);
    expect((await mcp.call(...BULK)).isError).toBeFalsy();

    const text = message(asked[0]);
    expect(text).toContain('Bulk Create Organization Invitations (bulkCreateOrganizationInvitations), 3 at once, one per email_address.');
    expect(text).toContain('email_address (3): "a@example.com", "b@example.com", "c@example.com"');
    expect(text).toContain('role: "org:admin"');
    expect(text).toMatch(/notify: true \(default\) — .*whether email invitations should be sent/);
    expect(text).toContain('Organization "Acme Inc" ("org_1")');
    expect(writes(fake)).toEqual(['POST /v1/organizations/org_1/invitations/bulk']);
    expect(fake.requests.at(-1)?.body).toBe('email_address=a%40example.com&email_address=b%40example.com&email_address=c%40example.com&role=org%3Aadmin');
  });

  it('says notify is off when the caller set it to false', async () => {
    const { asked, options } = answering({ action: 'decline' });
    const { mcp } = await setUp(options);
    await mcp.call(BULK[0], { ...BULK[1], notify: false });
    expect(message(asked[0])).toMatch(/notify: false — /);
  });

  it.each<[string, ElicitResult, RegExp]>([
    ['declined', { action: 'decline' }, /the user declined/],
    ['dismissed', { action: 'cancel' }, /the user dismissed the confirmation/],
    ['accepted without ticking confirm', { action: 'accept', content: { confirm: false } }, /the user did not confirm/],
  ])('sends nothing, and says so in an error result, when the user %s', async (_, answer, why) => {
    const { asked, options } = answering(answer);
    const { fake, mcp } = await setUp(options);
    for (const [name, args] of [REVOKE, BULK]) {
      const result = await mcp.call(name, args);
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toBeUndefined();
      expect(text(result)).toMatch(why);
      expect(text(result)).toContain(`${name} was not run: `);
      expect(text(result)).toContain('Nothing was sent to Clerk.');
    }
    expect(asked).toHaveLength(2);
    expect(writes(fake)).toEqual([]);
  });

  it('sends nothing when the client fails to ask', async () => {
    const { fake, mcp } = await setUp({
      elicit: () => {
        throw new Error('no dialog available');
      },
    });
    const result = await mcp.call(...REVOKE);
    expect(result.isError).toBe(true);
    // The SDK's legacy shim asked, and words its own failure.
    expect(text(result)).toMatch(/failed: .*no dialog available/);
    expect(writes(fake)).toEqual([]);
  });

  it('sends nothing when no answer comes in time', async () => {
    // The client never answers; a short limit keeps the test quick.
    const { fake, mcp } = await setUp({ elicit: () => new Promise<never>(() => undefined), confirmTimeoutMs: 50 });
    const result = await mcp.call(...REVOKE);
    expect(result.isError).toBe(true);
    // The SDK's legacy shim waited, and words its own failure.
    expect(text(result)).toMatch(/failed: Request timed out/);
    expect(writes(fake)).toEqual([]);
  });

  it('sends nothing when the tool call is cancelled while the user is asked, and withdraws the question', async () => {
    let asked = (): void => undefined;
    const question = new Promise<void>((resolve) => (asked = resolve));
    let withdrawn = (): void => undefined;
    const questionWithdrawn = new Promise<void>((resolve) => (withdrawn = resolve));
    let questions = 0;
    const { fake, mcp } = await setUp({
      elicit: (_, signal) => {
        // The SDK client ignores a cancellation of request id 0 (typescript-sdk#2283): the first question is answered.
        if (++questions === 1) return { action: 'decline' };
        signal.addEventListener('abort', withdrawn);
        asked();
        return new Promise<never>(() => undefined);
      },
    });
    expect((await mcp.call(...REVOKE)).isError).toBe(true);

    const controller = new AbortController();
    const call = mcp.call(...REVOKE, { signal: controller.signal });
    await question;
    controller.abort(new Error('user pressed stop'));
    await expect(call).rejects.toThrow('user pressed stop');
    await questionWithdrawn;

    // A later call's request reaching Clerk shows the server is past the cancelled one.
    await mcp.call('getAllPendingOrganizationInvitations', { organization_id: 'org_1' });
    expect(writes(fake)).toEqual([]);
    expect(fake.requests.at(-1)?.path).toBe('/v1/organizations/org_1/invitations/pending');
  });

  it('does not ask before reads or single creates', async () => {
    const { asked, options } = answering({ action: 'decline' });
    const { fake, mcp } = await setUp(options);
    await mcp.call('getOrganizationInvitations', { organization_id: 'org_1' });
    await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' });
    expect(asked).toHaveLength(0);
    expect(fake.requests).toHaveLength(2);
  });

  it('never asks a client that did not declare elicitation, and goes ahead', async () => {
    const { fake, mcp } = await setUp();
    expect((await mcp.call(...REVOKE)).isError).toBeFalsy();
    expect((await mcp.call(...BULK)).isError).toBeFalsy();
    expect(fake.requests).toHaveLength(2);
  });

  it('never asks with confirmations turned off (--no-confirm)', async () => {
    const { asked, options } = answering({ action: 'decline' });
    const { fake, mcp } = await setUp({ ...options, confirm: false });
    expect((await mcp.call(...REVOKE)).isError).toBeFalsy();
    expect(asked).toHaveLength(0);
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses bad arguments before asking anyone', async () => {
    const { asked, options } = answering({ action: 'accept', content: { confirm: true } });
    const { fake, mcp } = await setUp(options);
    const result = await mcp.call(BULK[0], { ...BULK[1], email_address: [] });
    expect(result.isError).toBe(true);
    expect(asked).toHaveLength(0);
    expect(fake.requests).toHaveLength(0);
  });

  it('quotes and escapes arguments, so that one cannot forge lines of the question', async () => {
    const { asked, options } = answering({ action: 'decline' });
    const { mcp } = await setUp(options);
    await mcp.call('revokePendingOrganizationInvitation', { organization_id: 'org_1', invitation_id: 'orginv_1"\n\nAll checks passed.\u202e' });
    const text = message(asked[0]);
    expect(text).toContain('invitation_id: "orginv_1\\"\\n\\nAll checks passed.\\u202e"');
    expect(text).not.toContain('\nAll checks passed');
    expect(text).not.toContain('\u202e');
  });
});
