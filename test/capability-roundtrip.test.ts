import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import * as z from 'zod';
import { toolDefinitions } from '../src/engine/definitions.js';
import { BUNDLED_CAPABILITY, loadCapability, parseCapability } from '../src/engine/load.js';
import { hasMappings } from '../src/engine/mapping.js';
import type { Capability, OperationSpec, OutputField, ParameterSpec } from '../src/engine/model.js';
import { toBeta5 } from '../src/engine/serialise.js';

// The round trip: load a capability (either format) → write the model as Ikanos 1.0.0-beta5
// (engine/serialise.ts) → load that → the same tools: what tools/list shows of each (name, title,
// description, input and output JSON Schema, annotations, whether it asks first) and how each call
// is made (method, path, adapter, each argument's place and wire name, fixed values, body template),
// the profile, adapters and binds. Writing the second model gives the same document again.

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** Every capability under test/fixtures (not the shared files they import), and the bundled ones. */
function capabilityFiles(): string[] {
  const found = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => join(FIXTURES, name))
    .filter((file) => {
      const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      return 'naftiko' in doc || ('ikanos' in doc && 'capability' in doc);
    });
  return [...found, BUNDLED_CAPABILITY, BUNDLED_CAPABILITY.replace(/\.yaml$/, '.ikanos.yml')];
}

/**
 * What the tools need, as plain data. Under Clerk's profile the adapter is Clerk's Frontend API
 * whatever the file says of it (the host comes from the publishable key): an alpha2 file names
 * none, its beta5 form one with a placeholder URI, and neither is used.
 */
function whatToolsNeed(capability: Capability): unknown {
  const clerk = capability.profile !== 'http';
  // Through JSON: plain objects whatever made them (fast-check's records have no prototype).
  return asJson({
    profile: capability.profile ?? 'clerk-frontend-api',
    services: clerk ? [] : (capability.services ?? []),
    binds: capability.binds ?? [],
    tools: toolDefinitions(capability).map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: z.toJSONSchema(tool.inputSchema, { io: 'input' }),
      outputSchema: z.toJSONSchema(tool.outputSchema),
      annotations: tool.annotations,
      confirm: tool.confirm ?? null,
      request: requestPlan(clerk ? { ...tool.operation, service: undefined } : tool.operation),
    })),
  });
}

const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

const requestPlan = (op: Omit<OperationSpec, 'service'> & { readonly service?: string | undefined }): unknown => ({
  method: op.method,
  path: op.path,
  service: op.service ?? null,
  fixed: op.fixed ?? [],
  bodyTemplate: op.bodyTemplate ?? null,
  arguments: op.inputParameters.map((p) => ({ name: p.name, in: p.in, wireName: p.target ?? p.name })),
  // The whole output tree: where each field of the result is read from, not only its schema.
  output: { name: op.output.name, value: op.output.value, type: op.output.type, fields: readFrom(op.output, !hasMappings(op.output)) },
});

/**
 * Where each field of a result is read from, as engine/mapping.ts reads it: in a tree without
 * mappings (alpha2) each field by its name; in a mapped tree, a field without a mapping is its
 * enclosing value (`$.`). Two trees that read alike compare equal, however they are written.
 */
function readFrom(field: Pick<OutputField, 'type' | 'properties' | 'items'>, byName: boolean): unknown {
  const at = (f: OutputField, name: string | undefined): unknown => {
    const rest = Object.fromEntries(Object.entries(f).filter(([key]) => key !== 'properties' && key !== 'items' && key !== 'mapping'));
    return { ...rest, from: f.mapping ?? (byName && name !== undefined ? `$.${name}` : '$.'), fields: readFrom(f, byName) };
  };
  // No properties and empty properties read alike (the value as it is); so do an array without items and one of any objects.
  const properties = Object.entries(field.properties ?? {});
  return {
    ...(properties.length > 0 ? { properties: Object.fromEntries(properties.map(([name, f]) => [name, at(f, name)])) } : {}),
    ...(field.type === 'array' ? { items: at(field.items ?? { type: 'object', required: false, nullable: false }, undefined) } : {}),
  };
}

/** Writes the model as beta5 YAML and reads it back, as if from `file`'s folder. */
function roundTrip(capability: Capability, file: string): Capability {
  return parseCapability(stringify(toBeta5(capability)), file);
}

describe('the loader round trip', () => {
  it.each(capabilityFiles())('keeps what the tools of %s need', (file) => {
    const first = loadCapability(file);
    const second = roundTrip(first, file);
    expect(whatToolsNeed(second)).toStrictEqual(whatToolsNeed(first));
    // A fixed point: the second model writes the same document as the first.
    expect(toBeta5(roundTrip(second, file))).toStrictEqual(toBeta5(second));
  });

  it('keeps what the tools need, for generated capabilities', () => {
    fc.assert(
      fc.property(capabilityArbitrary, (capability) => {
        const second = roundTrip(capability, '/tmp/generated.yml');
        expect(whatToolsNeed(second)).toStrictEqual(whatToolsNeed(capability));
      }),
      { numRuns: 60 },
    );
  });
});

// Generated capabilities: operations of every method, path, query, header and body arguments of
// every type (some renamed on the wire), fixed values, hints, object and list outputs with mappings.
const identifier = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
const scalarType = fc.constantFrom('string', 'integer', 'number', 'boolean') as fc.Arbitrary<'string' | 'integer' | 'number' | 'boolean'>;

const argument = (location: 'query' | 'header' | 'body'): fc.Arbitrary<Omit<ParameterSpec, 'name'>> =>
  fc.record({
    in: fc.constant(location),
    type: location === 'header' ? fc.constant('string' as const) : scalarType,
    // The format requires a description (alpha2 does not: the beta5 form of a file without one says the name).
    description: fc.lorem({ maxCount: 5 }).map((words) => words || 'An argument.'),
    required: fc.boolean(),
    target: fc.option(identifier.map((n) => `wire_${n}`), { nil: undefined }),
  }, { requiredKeys: ['in', 'type', 'description', 'required'] });

const field = fc.record({ type: scalarType, required: fc.boolean(), nullable: fc.boolean(), mapping: fc.option(identifier.map((n) => `$.${n}`), { nil: undefined }) }, { requiredKeys: ['type', 'required', 'nullable'] });

const operation = (name: string): fc.Arbitrary<OperationSpec> =>
  fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE') as fc.Arbitrary<OperationSpec['method']>,
      segments: fc.array(identifier, { maxLength: 2 }),
      ids: fc.uniqueArray(identifier, { maxLength: 2 }),
      query: fc.dictionary(identifier.map((n) => `q_${n}`), argument('query'), { maxKeys: 3 }),
      header: fc.dictionary(identifier.map((n) => `h_${n}`), argument('header'), { maxKeys: 1 }),
      body: fc.dictionary(identifier.map((n) => `b_${n}`), argument('body'), { maxKeys: 3 }),
      fixed: fc.array(fc.record({ in: fc.constantFrom('header', 'query') as fc.Arbitrary<'header' | 'query'>, name: identifier.map((n) => `f_${n}`), value: fc.constantFrom('v1', '{{API_VERSION}}') }), { maxLength: 2 }),
      hints: fc.option(fc.record({ readOnly: fc.boolean(), destructive: fc.boolean(), idempotent: fc.boolean(), openWorld: fc.boolean() }, { requiredKeys: [] }), { nil: undefined }),
      outputType: fc.constantFrom('object', 'array') as fc.Arbitrary<'object' | 'array'>,
      fields: fc.dictionary(identifier, field, { maxKeys: 4 }),
      // A nested object, with or without a mapping of its own (without: it groups fields of its parent).
      group: fc.option(fc.record({ mapping: fc.option(identifier.map((n) => `$.${n}`), { nil: undefined }), properties: fc.dictionary(identifier, field, { minKeys: 1, maxKeys: 2 }) }, { requiredKeys: ['properties'] }), { nil: undefined }),
      title: fc.lorem({ maxCount: 4 }),
      description: fc.lorem({ maxCount: 12 }),
    })
    .map((g): OperationSpec => {
      const hasBody = g.method !== 'GET' && g.method !== 'DELETE';
      const inputParameters: ParameterSpec[] = [
        ...g.ids.map((id): ParameterSpec => ({ name: `id_${id}`, in: 'path', type: 'string', description: `The ${id}.`, required: true })),
        ...[...Object.entries(g.query), ...Object.entries(g.header), ...(hasBody ? Object.entries(g.body) : [])].map(([n, p]) => ({ ...p, name: n }) as ParameterSpec),
      ];
      // One wire name per argument: two arguments renamed alike would be one parameter.
      const wire = new Set<string>();
      const unique = inputParameters.filter((p) => (wire.has(p.target ?? p.name) ? false : (wire.add(p.target ?? p.name), true)));
      const properties: Record<string, OutputField> = Object.fromEntries(Object.entries(g.fields).map(([n, f]) => [n, f]));
      if (g.group) properties.group_x = { type: 'object', required: false, nullable: false, ...g.group };
      return {
        name,
        title: g.title || name,
        description: g.description || name,
        method: g.method,
        path: `/${[...g.segments, ...g.ids.map((id) => `{id_${id}}`)].join('/')}`,
        inputParameters: unique,
        output: g.outputType === 'object' ? { name: 'result', type: 'object', value: '$.', properties } : { name: 'results', type: 'array', value: '$.', items: { type: 'object', required: false, nullable: false, properties } },
        service: 'api',
        ...(g.hints ? { hints: g.hints } : {}),
        ...(g.fixed.length > 0 ? { fixed: g.fixed.filter((f, i) => g.fixed.findIndex((o) => o.name === f.name) === i && !wire.has(f.name)) } : {}),
      };
    });

const capabilityArbitrary: fc.Arbitrary<Capability> = fc.uniqueArray(identifier.map((n) => `tool-${n.replace(/_/g, '-')}`), { minLength: 1, maxLength: 4 }).chain((names) =>
  fc.tuple(...names.map(operation)).map((operations): Capability => ({
    file: '/tmp/generated.yml',
    label: 'Generated',
    operations,
    profile: 'http',
    services: [{ namespace: 'api', baseUri: 'https://api.example.com/v1', authentication: { type: 'apikey', key: 'X-Key', value: '{{API_KEY}}', placement: 'header' } }],
    binds: [
      { key: 'API_KEY', sourceKey: 'API_KEY' },
      { key: 'API_VERSION', sourceKey: 'API_VERSION' },
    ],
  })),
);
