import { afterEach, describe, expect, it } from 'vitest';
import { loadCapability, parseCapability } from '../src/engine/load.js';
import { outputSchema } from '../src/engine/schema.js';
import { startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { connect, text, type Connected } from './helpers/connect.js';
import { envelope, invitation, startFakeClerk, type FakeClerk, type Handler } from './helpers/fake-clerk.js';
import { SEED } from './helpers/seed.js';

type Json = Record<string, unknown>;

let mcp: Connected | undefined;
let fake: FakeClerk | undefined;
let sandbox: Sandbox | undefined;
afterEach(async () => {
  await mcp?.close();
  await sandbox?.close();
  mcp = fake = sandbox = undefined;
});

async function withFake(handler: Handler): Promise<Connected> {
  fake = await startFakeClerk(handler);
  mcp = await connect({ baseUrl: fake.url });
  return mcp;
}

/** Each tool's output schema as tools/list gives it to a client. */
async function listedOutputSchemas(connected: Connected): Promise<Map<string, Json>> {
  const { tools } = await connected.client.listTools();
  return new Map(tools.map((tool) => [tool.name, tool.outputSchema as Json]));
}

const at = (schema: unknown, ...keys: string[]): Json => keys.reduce<Json>((node, key) => node[key] as Json, schema as Json);

const SINGLE = ['createOrganizationInvitations', 'revokePendingOrganizationInvitation'];
const LISTS = ['getOrganizationInvitations', 'bulkCreateOrganizationInvitations', 'getAllPendingOrganizationInvitations'];

describe('output schemas from Clerk\'s OrganizationInvitation', () => {
  it('gives every tool the invitation\'s fields with types, enums, required and nullable fields, and allows extra fields', async () => {
    const schemas = await listedOutputSchemas(await withFake(() => ({ json: envelope(invitation()) })));
    expect([...schemas.keys()].sort()).toEqual([...SINGLE, ...LISTS].sort());
    for (const [name, schema] of schemas) {
      const list = LISTS.includes(name);
      if (list) {
        expect(at(schema, 'required'), name).toEqual(['data', 'total_count']);
        expect(at(schema, 'properties', 'data', 'type'), name).toBe('array');
      }
      const item = list ? at(schema, 'properties', 'data', 'items') : schema;
      const fields = at(item, 'properties');
      expect(item.type, name).toBe('object');
      expect(item.additionalProperties, `${name}: extra fields must stay allowed`).toEqual({});
      expect(Object.keys(fields), name).toEqual([
        'id', 'object', 'email_address', 'role', 'role_name', 'organization_id', 'public_organization_data',
        'status', 'public_metadata', 'url', 'expires_at', 'created_at', 'updated_at',
      ]);
      expect(item.required, name).toEqual(['id', 'object', 'email_address', 'role', 'role_name', 'public_metadata', 'url', 'expires_at', 'created_at', 'updated_at']);
      for (const field of ['id', 'email_address', 'role', 'role_name', 'organization_id']) expect(at(fields, field, 'type'), `${name}.${field}`).toBe('string');
      expect(at(fields, 'object'), name).toEqual({ type: 'string', enum: ['organization_invitation'] });
      expect(at(fields, 'status'), name).toEqual({ type: 'string', enum: ['pending', 'revoked', 'accepted', 'expired', 'completed', 'invalid'] });
      expect(at(fields, 'url', 'type'), name).toEqual(['string', 'null']);
      expect((at(fields, 'expires_at', 'anyOf') as unknown as Json[]).map((branch) => branch.type), name).toEqual(['integer', 'null']);
      expect(at(fields, 'created_at', 'type'), name).toBe('integer');
      expect(at(fields, 'updated_at', 'type'), name).toBe('integer');
      expect(at(fields, 'public_metadata', 'type'), name).toBe('object');
      const org = at(fields, 'public_organization_data');
      expect(org.required, name).toEqual(['id', 'name', 'slug', 'has_image']);
      expect(at(org, 'properties', 'has_image', 'type'), name).toBe('boolean');
      expect(at(org, 'properties', 'image_url', 'type'), name).toBe('string');
      expect(org.additionalProperties, name).toEqual({});
    }
  });

  it('validates what the sandbox answers to each of the five tools, public_organization_data and null url included', async () => {
    sandbox = await startSandbox();
    mcp = await connect({ baseUrl: sandbox.url, clientToken: sandbox.clientToken, sessionId: sandbox.sessionId });
    // The SDK client checks each structuredContent against the listed output schema and throws on a mismatch.
    const calls: [string, Json][] = [
      ['getOrganizationInvitations', { organization_id: 'org_sandbox', limit: 500 }],
      ['getAllPendingOrganizationInvitations', { organization_id: 'org_sandbox' }],
      ['createOrganizationInvitations', { organization_id: 'org_sandbox', email_address: 'new@example.com', role: 'org:member' }],
      ['bulkCreateOrganizationInvitations', { organization_id: 'org_sandbox', email_address: ['x@example.com', 'y@example.com'], role: 'org:admin' }],
    ];
    const results = [];
    for (const [name, args] of calls) results.push(await mcp.call(name, args));
    const created = results[2]?.structuredContent as Json;
    results.push(await mcp.call('revokePendingOrganizationInvitation', { organization_id: 'org_sandbox', invitation_id: created.id }));

    for (const result of results) expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const all = results[0]?.structuredContent as { data: Json[] };
    expect(new Set(all.data.map((i) => i.status))).toEqual(new Set(['pending', 'accepted', 'revoked', 'expired']));
    expect(created).toMatchObject({ object: 'organization_invitation', role_name: 'Member', url: null, public_organization_data: { id: 'org_sandbox', has_image: false } });
    expect(results[4]?.structuredContent).toMatchObject({ id: created.id, status: 'revoked' });
  });

  it('passes on fields Clerk adds later, at the top and inside public_organization_data', async () => {
    const answer = invitation({ public_organization_data: { id: 'org_1', name: 'Acme', slug: 'acme', has_image: false, brand_new: 1 } });
    const connected = await withFake(() => ({ json: envelope(answer) }));
    const result = await connected.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ a_field_clerk_added_later: { nested: true }, public_organization_data: { brand_new: 1 } });
  });

  it('refuses an answer whose field has the wrong type, at the schema and at the client', async () => {
    const op = loadCapability().operations.find((o) => o.name === 'getOrganizationInvitations')!;
    expect(outputSchema(op).safeParse({ data: [invitation()], total_count: 1 }).success).toBe(true);
    for (const wrong of [{ created_at: '2026-01-01' }, { status: 'archived' }, { url: 42 }, { role_name: undefined }, { public_organization_data: { id: 'org_1' } }]) {
      expect(outputSchema(op).safeParse({ data: [invitation(wrong)], total_count: 1 }).success, JSON.stringify(wrong)).toBe(false);
    }
    const connected = await withFake(() => ({ json: envelope(invitation({ expires_at: 'soon' })) }));
    // The SDK's server checks structuredContent before sending it (an error result); a client that
    // gets it anyway throws. Either way no success reaches the agent.
    const outcome = await connected.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' }).then(
      (result) => `${result.isError ? 'error result' : 'success'}: ${text(result)}`,
      (error: unknown) => `thrown: ${String(error)}`,
    );
    expect(outcome).toMatch(/^(error result|thrown): .*expires_at/);
  });

  it('keeps the seed capability\'s outputs loose: any object passes', () => {
    for (const op of loadCapability(SEED).operations) {
      expect(outputSchema(op).safeParse({ anything: [1, 'two'], created_at: 'not a number' }).success, op.name).toBe(true);
    }
  });
});

describe('output fields in a capability file', () => {
  const capability = (output: string): string => `
naftiko: 1.0.0-alpha2
info: { label: t }
capability:
  consumes:
  - type: http
    namespace: t
    resources:
    - name: r
      path: /v1/things
      operations:
      - name: listThings
        method: GET
        description: List things.
        outputParameters:
        - ${output}
`;

  it('refuses a keyword that does not fit the field\'s type, naming the place', () => {
    expect(() => parseCapability(capability('{ name: t, type: object, value: $., properties: { n: { type: integer, enum: [a] } } }'), 'c.yaml')).toThrow(
      /c\.yaml.*outputParameters\[0\]\.properties\.n\.enum.*enum is for type string, not integer/,
    );
    expect(() => parseCapability(capability('{ name: t, type: array, value: $., properties: { n: { type: string } } }'), 'c.yaml')).toThrow(
      /outputParameters\[0\]\.properties.*properties are for type object, not array/,
    );
    expect(() => parseCapability(capability('{ name: t, type: object, value: $., properties: { n: { type: string, items: { type: string } } } }'), 'c.yaml')).toThrow(
      /properties\.n\.items.*items are for type array, not string/,
    );
  });

  it('refuses an unknown field type', () => {
    expect(() => parseCapability(capability('{ name: t, type: object, value: $., properties: { when: { type: date } } }'), 'c.yaml')).toThrow(/properties\.when\.type/);
  });
});
