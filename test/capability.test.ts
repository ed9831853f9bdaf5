import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { BUNDLED_CAPABILITY, loadCapability, parseCapability } from '../src/engine/load.js';
import { SEED } from './helpers/seed.js';

const bundledText = readFileSync(BUNDLED_CAPABILITY, 'utf8');

type Doc = { capability: { consumes: { resources: { path: string; operations: Record<string, unknown>[] }[] }[] } };
/** The bundled capability with one change applied. */
function mutated(change: (doc: Doc) => void): string {
  const doc = parse(bundledText) as Doc;
  change(doc);
  return stringify(doc);
}
const op = (doc: Doc, r: number, o = 0): Record<string, unknown> => doc.capability.consumes[0]!.resources[r]!.operations[o]!;

describe('loadCapability', () => {
  it('reads the bundled capability: five operations with methods and paths', () => {
    const capability = loadCapability();
    expect(capability.operations.map((o) => [o.name, o.method, o.path])).toEqual([
      ['createOrganizationInvitations', 'POST', '/v1/organizations/{organization_id}/invitations'],
      ['getOrganizationInvitations', 'GET', '/v1/organizations/{organization_id}/invitations'],
      ['bulkCreateOrganizationInvitations', 'POST', '/v1/organizations/{organization_id}/invitations/bulk'],
      ['getAllPendingOrganizationInvitations', 'GET', '/v1/organizations/{organization_id}/invitations/pending'],
      ['revokePendingOrganizationInvitation', 'POST', '/v1/organizations/{organization_id}/invitations/{invitation_id}/revoke'],
    ]);
  });

  it('splits the body into one parameter per form field and maps the output to the envelope payload', () => {
    const create = loadCapability().operations[0]!;
    expect(create.inputParameters.map((p) => `${p.in}:${p.name}`)).toEqual(['path:organization_id', 'body:email_address', 'body:role', 'body:notify']);
    expect(create.output).toMatchObject({ type: 'object', value: '$.response' });
  });

  it('reads the seed capability as it is', () => {
    const seed = loadCapability(SEED);
    expect(seed.operations).toHaveLength(5);
    expect(seed.operations[0]!.inputParameters.map((p) => `${p.in}:${p.name}:${p.type}`)).toEqual(['path:organization_id:string', 'body:body:object']);
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadCapability('/nonexistent/cap.yaml')).toThrow('Invalid capability file /nonexistent/cap.yaml: cannot be read (ENOENT)');
  });

  it('names the line and column of a YAML syntax error', () => {
    expect(() => parseCapability('naftiko: 1.0.0\ninfo: [unclosed\n', 'broken.yaml')).toThrow(/^Invalid capability file broken\.yaml at line \d+, column \d+: not valid YAML/);
  });

  it('reads a capability from disk and reports errors with the path given', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cap-')), 'cap.yaml');
    writeFileSync(file, mutated((d) => (op(d, 0).method = 'FETCH')));
    expect(() => loadCapability(file)).toThrow(`Invalid capability file ${file} at capability.consumes[0].resources[0].operations[0].method:`);
  });

  it.each<[string, (d: Doc) => void, string, RegExp]>([
    ['an unknown parameter location', (d) => ((op(d, 0).inputParameters as Record<string, unknown>[])[1]!.in = 'cookie'), 'capability.consumes[0].resources[0].operations[0].inputParameters[1].in', /path|query|body/],
    ['a missing operation name', (d) => delete op(d, 0, 1).name, 'capability.consumes[0].resources[0].operations[1].name', /expected string/],
    ['a tool name MCP refuses', (d) => (op(d, 0, 1).name = 'list invitations'), 'capability.consumes[0].resources[0].operations[1].name', /letters, digits/],
    ['a duplicate operation name', (d) => (op(d, 0, 1).name = 'createOrganizationInvitations'), 'capability.consumes[0].resources[0].operations[1].name', /used twice/],
    ['an undeclared path parameter', (d) => (d.capability.consumes[0]!.resources[3]!.path = '/v1/organizations/{organization_id}/invitations/{invitation}/revoke'), 'capability.consumes[0].resources[3].operations[0].inputParameters[1].name', /does not appear in path/],
    ['a path placeholder without parameter', (d) => (op(d, 2).inputParameters = []), 'capability.consumes[0].resources[2].operations[0].inputParameters', /\{organization_id\}/],
    ['a body on a GET', (d) => ((op(d, 0, 1).inputParameters as Record<string, unknown>[])[1]!.in = 'body'), 'capability.consumes[0].resources[0].operations[1].inputParameters[1].in', /GET request has no body/],
    ['an array without items', (d) => delete (op(d, 1).inputParameters as Record<string, unknown>[])[1]!.items, 'capability.consumes[0].resources[1].operations[0].inputParameters[1].items', /needs items/],
    ['an output mapping that is not a path', (d) => ((op(d, 0).outputParameters as Record<string, unknown>[])[0]!.value = 'response'), 'capability.consumes[0].resources[0].operations[0].outputParameters[0].value', /JSONPath/],
    ['no resources', (d) => (d.capability.consumes[0]!.resources = []), 'capability.consumes[0].resources', /too small|at least/i],
  ])('refuses %s, naming the place', (_what, change, where, problem) => {
    let message = '';
    try {
      parseCapability(mutated(change), 'cap.yaml');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`Invalid capability file cap.yaml at ${where}: `);
    expect(message).toMatch(problem);
  });
});
