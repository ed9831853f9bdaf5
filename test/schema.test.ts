import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { loadCapability } from '../src/engine/load.js';
import { inputSchema, outputSchema } from '../src/engine/schema.js';
import { invitation } from './helpers/fake-clerk.js';
import { SEED } from './helpers/seed.js';

const [create, list, bulk, pending, revoke] = loadCapability().operations;

describe('inputSchema', () => {
  it('makes flat arguments with descriptions and required fields from the parameters', () => {
    const json = z.toJSONSchema(inputSchema(create!)) as { properties: Record<string, { description?: string }>; required: string[]; additionalProperties: boolean };
    expect(Object.keys(json.properties)).toEqual(['organization_id', 'email_address', 'role', 'notify']);
    expect(json.required).toEqual(['organization_id', 'email_address', 'role']);
    expect(json.properties.email_address?.description).toBe('The email address the invitation will be sent to.');
    expect(json.additionalProperties).toBe(false);
  });

  it('carries enum, minimum, maximum, format and default into the JSON schema', () => {
    const props = (z.toJSONSchema(inputSchema(list!)) as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(props.status?.enum).toEqual(['pending', 'accepted', 'revoked', 'expired', 'invalid', 'completed']);
    expect(props.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 10 });
    expect(props.offset).toMatchObject({ type: 'integer', minimum: 0, default: 0 });
    const bulkProps = (z.toJSONSchema(inputSchema(bulk!)) as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(bulkProps.email_address).toMatchObject({ type: 'array', minItems: 1, items: { type: 'string', format: 'email' } });
  });

  it('does not fill in defaults: the request says only what the caller asked for', () => {
    expect(inputSchema(list!).parse({ organization_id: 'org_1' })).toEqual({ organization_id: 'org_1' });
  });

  it('refuses empty, blank, "." and ".." ids, and accepts any other text as an id', () => {
    const schema = inputSchema(revoke!);
    for (const bad of ['', ' ', '.', '..']) expect(schema.safeParse({ organization_id: 'org_1', invitation_id: bad }).success).toBe(false);
    expect(schema.safeParse({ organization_id: 'org_1', invitation_id: '.../x%2F' }).success).toBe(true);
    expect(inputSchema(pending!).safeParse({}).success).toBe(false);
  });

  it('refuses ids that are not well-formed text or far longer than any Clerk id', () => {
    const schema = inputSchema(revoke!);
    expect(schema.safeParse({ organization_id: 'org_1', invitation_id: 'orginv_\uD800' }).success).toBe(false);
    expect(schema.safeParse({ organization_id: 'org_1', invitation_id: 'x'.repeat(257) }).success).toBe(false);
    expect(schema.safeParse({ organization_id: 'org_1', invitation_id: 'x'.repeat(256) }).success).toBe(true);
  });

  it('checks email addresses loosely, leaving the rest to Clerk', () => {
    const schema = inputSchema(create!);
    const args = (email_address: string) => ({ organization_id: 'org_1', email_address, role: 'org:admin' });
    for (const ok of ['first&last@example.com', 'josé@exämple.com', 'a+tag@example.co.uk']) expect(schema.safeParse(args(ok)).success).toBe(true);
    for (const bad of ['no-at-sign', 'two@@example.com', 'a b@example.com', '']) expect(schema.safeParse(args(bad)).success).toBe(false);
  });

  it('gives the seed\'s body parameter one object argument of form-encodable fields', () => {
    const seedCreate = loadCapability(SEED).operations[0]!;
    const schema = inputSchema(seedCreate);
    expect(schema.safeParse({ organization_id: 'org_1', body: { email_address: 'a@x.com', role: 'org:admin', notify: false } }).success).toBe(true);
    expect(schema.safeParse({ organization_id: 'org_1', body: { email_address: ['a@x.com', 'b@x.com'] } }).success).toBe(true);
    expect(schema.safeParse({ organization_id: 'org_1', body: { nested: { deep: 1 } } }).success).toBe(false);
    expect(schema.safeParse({ organization_id: 'org_1' }).success).toBe(false);
  });
});

describe('outputSchema', () => {
  it('accepts lists as { data, total_count } with any extra fields on the items', () => {
    const schema = outputSchema(list!);
    expect(schema.safeParse({ data: [invitation({ new_field: { a: 1 } })], total_count: 1 }).success).toBe(true);
    expect(schema.safeParse([invitation()]).success).toBe(false);
  });

  it('accepts an invitation object with extra fields, not one missing a required field', () => {
    expect(outputSchema(create!).safeParse(invitation({ brand_new: [1, 2] })).success).toBe(true);
    expect(outputSchema(create!).safeParse({ id: 'orginv_1', brand_new: [1, 2] }).success).toBe(false);
  });
});
