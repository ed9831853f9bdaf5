import fc from 'fast-check';
import * as z from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCapability } from '../src/engine/load.js';
import { inputSchema } from '../src/engine/schema.js';
import { ClerkClient } from '../src/clerk/client.js';
import { redactJwts } from '../src/clerk/redact.js';
import { connect, testSettings, text, type Connected } from './helpers/connect.js';
import { envelope, invitation, startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';

// The pattern redaction used before: right on every input, but quadratic on "eyJeyJeyJ…".
const QUADRATIC_JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]+/g;
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ.c2lnbmF0dXJl';

let fake: FakeClerk | undefined;
let mcp: Connected | undefined;
afterEach(async () => {
  await mcp?.close();
  mcp = fake = undefined;
});

describe('redaction', () => {
  it('gets through 300 KB of "eyJeyJ…" in linear time, and still redacts it when it is a JWT', () => {
    const clerk = new ClerkClient(testSettings({ baseUrl: 'http://127.0.0.1:1' }));
    const run = 'eyJ'.repeat(100_000);
    const started = performance.now();
    expect(clerk.redact(`role ${run} refused`)).toBe(`role ${run} refused`);
    expect(clerk.redact(`role ${run}.ab.c refused`)).toBe('role [redacted] refused');
    // A stall-catching bound only (the quadratic pattern took about 45 s here), not a speed target.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('still redacts real JWTs inside text, after a prefix, and several in a row', () => {
    const clerk = new ClerkClient(testSettings({ baseUrl: 'http://127.0.0.1:1' }));
    expect(clerk.redact(`token ${JWT}, again "${JWT}".`)).toBe('token [redacted], again "[redacted]".');
    expect(clerk.redact(`client_token_${JWT}.tail`)).toBe('client_token_[redacted].tail');
    expect(clerk.redact(`${JWT}.${JWT}`)).toBe('[redacted].[redacted]');
  });

  it('redacts exactly what the former pattern redacted', () => {
    const piece = fc.constantFrom('eyJ', 'ey', 'J', 'a', 'bc', '-', '_', '.', '..', ' ', '/', 'é');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const input = pieces.join('');
        expect(redactJwts(input)).toBe(input.replace(QUADRATIC_JWT, '[redacted]'));
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('string arguments have maximum lengths', () => {
  const [create, , bulk] = loadCapability().operations;

  it('documents them in the capability and the tools\' JSON schemas', () => {
    const props = (z.toJSONSchema(inputSchema(create!)) as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(props.role).toMatchObject({ type: 'string', maxLength: 256 });
    expect(props.email_address).toMatchObject({ type: 'string', format: 'email', maxLength: 320 });
    expect(props.organization_id).toMatchObject({ type: 'string', maxLength: 256 });
    const bulkProps = (z.toJSONSchema(inputSchema(bulk!)) as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(bulkProps.email_address).toMatchObject({ items: { maxLength: 320 } });
  });

  it('caps strings that the capability leaves without a maxLength', () => {
    const spec = { ...create!, inputParameters: [{ name: 'note', in: 'body' as const, type: 'string' as const, required: true }, { name: 'to', in: 'body' as const, type: 'string' as const, format: 'email' as const, required: true }] };
    const schema = inputSchema(spec);
    expect(schema.safeParse({ note: 'x'.repeat(256), to: 'a@example.com' }).success).toBe(true);
    expect(schema.safeParse({ note: 'x'.repeat(257), to: 'a@example.com' }).success).toBe(false);
    expect(schema.safeParse({ note: 'x', to: `${'a'.repeat(64)}@${'b'.repeat(251)}.com` }).success).toBe(true);
    expect(schema.safeParse({ note: 'x', to: `${'a'.repeat(64)}@${'b'.repeat(252)}.com` }).success).toBe(false);
  });

  it('refuses a 180 KB role before anything is sent, and keeps serving', async () => {
    fake = await startFakeClerk(() => ({ json: envelope(invitation()) }));
    mcp = await connect({ baseUrl: fake.url });
    const long = await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'eyJ'.repeat(60_000) });
    expect(long.isError).toBe(true);
    expect(text(long)).toMatch(/role/);
    expect(text(long)).toMatch(/256/);
    const email = await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: `${'a'.repeat(400)}@example.com`, role: 'org:admin' });
    expect(email.isError).toBe(true);
    expect(fake.requests).toHaveLength(0);
    const fine = await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:member' });
    expect(fine.isError).toBeFalsy();
    expect(fake.requests).toHaveLength(1);
  });
});
