import fc from 'fast-check';
import { ProtocolError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCapability } from '../../src/engine/load.js';
import type { Capability, OperationSpec, ParameterSpec } from '../../src/engine/model.js';
import { connect, text, type Connected } from '../helpers/connect.js';
import { envelope, invitation, startFakeClerk, type FakeClerk, type Received } from '../helpers/fake-clerk.js';
import { knob, recordFigure } from '../helpers/figures.js';
import { PUBLISHABLE_KEY, leakedSecrets } from '../helpers/secrets.js';
import { SEED } from '../helpers/seed.js';

// Calls per tool and capability: `npm run reliability` raises it (FUZZ_RUNS).
const RUNS = knob('FUZZ_RUNS', 60);

const MiB = 1024 * 1024;
const hostilePieces = [
  '', ' ', '.', '..', '../', '../../v1/client', '%2F', '%2e%2e', '%2e%2e%2Fclient', '/', '//', '\\', '?', '?x=1', '#', '&', '=', '%', '%00', '\u0000', '\r\n', '\n',
  '\u202e', '\ufeff', '\ud800', '\udfff', '😀', 'e\u0301', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  'org_1', 'orginv_1', 'a@example.com', 'org:admin', 'org:basic_member', 'true', '500', '-1', 'null', '{"a":1}', '<script>', '${x}', 'Bearer x',
];
const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...hostilePieces) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...hostilePieces), { maxLength: 6 }).map((parts) => parts.join('')) },
  // Megabyte strings, now and then.
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(MiB), `${'a'.repeat(MiB)}@example.com`, '../'.repeat(MiB / 3), '\u0000€'.repeat(MiB / 4)) },
);
const junk: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'prototype')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A plausible value for a parameter (so that many calls get past validation), or junk. */
function valueFor(p: ParameterSpec): fc.Arbitrary<unknown> {
  const plausible = ((): fc.Arbitrary<unknown> => {
    if (p.enum) return fc.constantFrom(...p.enum);
    if (p.format === 'email') return hostileString.map((s) => `${s.replace(/[@\s]/g, '') || 'x'}@example.com`);
    switch (p.type) {
      case 'integer':
        return fc.integer({ min: -10, max: 1000 });
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(p.items?.format === 'email' ? fc.emailAddress() : hostileString, { minLength: 0, maxLength: 5 });
      case 'object':
        return fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'email_address', 'role')), fc.oneof(hostileString, fc.boolean(), fc.integer(), fc.array(hostileString, { maxLength: 3 }), junk), { maxKeys: 6 });
      default:
        return hostileString;
    }
  })();
  return fc.oneof({ weight: 4, arbitrary: plausible }, { weight: 1, arbitrary: junk });
}

/** Arguments as JSON text, so that "__proto__" keys arrive as own properties, as they would over stdio. */
function argumentsFor(op: OperationSpec): fc.Arbitrary<unknown> {
  const entry = (p: ParameterSpec) => fc.option(valueFor(p).map((v) => [p.name, v] as const), { freq: 6, nil: undefined });
  const extra = fc.array(fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'Notify', 'body', 'toString'), hostileString), junk), { maxLength: 2 });
  const object = fc.tuple(fc.tuple(...op.inputParameters.map(entry)), fc.option(extra, { freq: 4, nil: undefined })).map(([known, more]) => {
    const entries = [...known.filter((e) => e !== undefined), ...(more ?? [])];
    return JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`) as unknown;
  });
  return fc.oneof({ weight: 9, arbitrary: object }, { weight: 1, arbitrary: junk.map((v) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown) });
}

/** The path Clerk must receive: the template, each `{id}` one segment that decodes to the argument. */
function expectPathOf(op: OperationSpec, args: Record<string, unknown>, received: Received): void {
  expect(received.method).toBe(op.method);
  const template = op.path.split('/');
  const sent = received.rawPath.split('/');
  expect(sent).toHaveLength(template.length);
  template.forEach((part, i) => {
    const name = /^\{(.+)\}$/.exec(part)?.[1];
    if (name === undefined) expect(sent[i]).toBe(part);
    else expect(decodeURIComponent(sent[i]!)).toBe(String(args[name]));
  });
}

// What the fake answers fits every tool's output mapping, so a valid call never ends in an error.
function answer(req: Received): ReturnType<Parameters<typeof startFakeClerk>[0]> {
  if (req.method === 'GET' && req.path.endsWith('/pending')) return { json: envelope([]) };
  if (req.method === 'GET') return { json: envelope({ data: [], total_count: 0 }) };
  if (req.path.endsWith('/bulk')) return { json: envelope([invitation()]) };
  return { json: envelope(invitation()) };
}

const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);
let fake: FakeClerk;
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
let calls = 0;
let nonObjects = 0;

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  fake = await startFakeClerk(answer);
});
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await fake.close();
});

describe.each([
  ['the bundled capability', loadCapability()],
  ['the seed capability', loadCapability(SEED)],
])('hostile arguments to every tool of %s', (_name, capability: Capability) => {
  let mcp: Connected;
  beforeAll(async () => {
    mcp = await connect({ baseUrl: fake.url, publishableKey: PUBLISHABLE_KEY }, capability);
  });
  afterAll(() => mcp.close());

  it.each(capability.operations.map((op) => [op.name, op] as const))('%s: every call is answered, invalid ones refused before anything is sent', { timeout: 600_000 }, async (_tool, op) => {
    await assertShort(
      fc.asyncProperty(argumentsFor(op), async (args) => {
        calls++;
        const before = fake.requests.length;
        let result;
        try {
          result = await mcp.call(op.name, args as Record<string, unknown>);
        } catch (error) {
          // Arguments that are not an object at all fail the protocol's own schema, which the SDK
          // answers with a JSON-RPC error (-32603, where -32602 would be apter): an answer too.
          expect(error).toBeInstanceOf(ProtocolError);
          expect([-32602, -32603]).toContain((error as ProtocolError).code);
          expect((error as ProtocolError).message).toMatch(/arguments/);
          nonObjects++;
          expect(fake.requests.length).toBe(before);
          return;
        }
        expect(leakedSecrets(JSON.stringify(result))).toEqual([]);
        const sent = fake.requests.slice(before);
        if (result.isError && /^\w+ failed: Clerk answered 431 /.test(text(result))) {
          // Valid by the schema, too large for HTTP: a megabyte free-form query parameter of the seed
          // capability gets 431 (headers too large) from the HTTP server, as it would from Clerk's.
          expect(sent).toHaveLength(0);
        } else if (result.isError) {
          expect(text(result)).toMatch(/Input validation error|Invalid arguments/);
          expect(sent).toHaveLength(0);
        } else {
          expect(sent).toHaveLength(1);
          expectPathOf(op, args as Record<string, unknown>, sent[0]!);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** fc.assert, with a failure's message cut short: counterexamples hold megabyte strings. */
async function assertShort<T>(property: fc.IAsyncPropertyWithHooks<T>, parameters: fc.Parameters<T>): Promise<void> {
  try {
    await fc.assert(property, parameters);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message.length > 4_000 ? `${message.slice(0, 4_000)}… (${message.length} characters)` : message, { cause: error });
  }
}

describe('"__proto__" in arguments', () => {
  // zod skips "__proto__" keys when it copies a record (the SDK's arguments, the seed's body), by design.
  it('never sends a "__proto__" field of a seed-style body, nor lets it reach any prototype', async () => {
    const mcp = await connect({ baseUrl: fake.url }, loadCapability(SEED));
    const before = fake.requests.length;
    const args = JSON.parse('{"organization_id":"org_1","__proto__":{"polluted":1},"body":{"__proto__":{"polluted":2},"constructor":"c","email_address":"a@example.com"}}') as Record<string, unknown>;
    const result = await mcp.call('createOrganizationInvitations', args);
    expect(result.isError).toBeFalsy();
    expect(fake.requests.slice(before).map((r) => r.body)).toEqual(['constructor=c&email_address=a%40example.com']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await mcp.close();
  });
});

describe('after the hostile arguments', () => {
  it('saw no unhandled rejection and no change to Object.prototype', () => {
    expect(rejections).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Every request Clerk got stayed below /v1/organizations/<one segment>/invitations.
    for (const req of fake.requests) expect(req.rawPath).toMatch(/^\/v1\/organizations\/[^/]+\/invitations(\/[^/]+\/revoke|\/bulk|\/pending)?$/);
    expect(calls).toBeGreaterThan(0);
    recordFigure('hostile tool calls tried (property-based, every tool of both capabilities)', calls);
    recordFigure('hostile tool calls that reached the fake Clerk', fake.requests.length);
    recordFigure('hostile tool calls with arguments that are not an object (JSON-RPC error)', nonObjects);
  });
});
