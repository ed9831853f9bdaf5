import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { CapabilityError } from '../src/errors.js';
import { toolDefinitions } from '../src/engine/definitions.js';
import { BUNDLED_CAPABILITY, loadCapability, parseCapability } from '../src/engine/load.js';
import { TUTORIAL_DIR, TUTORIAL_FILE } from './helpers/ikanos-tutorial.js';

// Reading Ikanos 1.0.0-beta5 files: refused against the format's JSON Schema with the file, the
// JSON path and the problem (all of them), and what this server does not run yet refused by name.

type Doc = Record<string, unknown>;
const tutorialText = readFileSync(join(TUTORIAL_DIR, TUTORIAL_FILE), 'utf8');

/** The tutorial, changed, in a copy of its folder (it imports the shared files beside it). */
function tutorialWith(change: (doc: Doc) => void): string {
  const doc = parse(tutorialText) as Doc;
  change(doc);
  const dir = mkdtempSync(join(tmpdir(), 'ikanos-changed-'));
  cpSync(TUTORIAL_DIR, dir, { recursive: true });
  const file = join(dir, TUTORIAL_FILE);
  writeFileSync(file, stringify(doc));
  return file;
}
// Navigating a parsed YAML document: a wrong step fails the test, which is what it should do.
const obj = (v: unknown): Doc => v as Doc;
const list = (v: unknown): Doc[] => v as Doc[];
const capabilityOf = (doc: Doc): Doc => obj(doc.capability);
const tools = (doc: Doc): Record<string, Doc> => obj(list(capabilityOf(doc).exposes)[0]!.tools) as Record<string, Doc>;
const tool = (doc: Doc, name: string): Doc => tools(doc)[name]!;
const output = (doc: Doc, name: string): Doc => list(tool(doc, name).outputParameters)[0]!;

function problemsOf(file: string): CapabilityError {
  try {
    loadCapability(file);
  } catch (error) {
    if (error instanceof CapabilityError) return error;
    throw error;
  }
  throw new Error(`${file} was accepted`);
}

describe('an Ikanos 1.0.0-beta5 file', () => {
  it('is read: tools from exposes, arguments routed by with:, bodies, fixed headers, hints', () => {
    const capability = loadCapability(join(TUTORIAL_DIR, TUTORIAL_FILE));
    const getShip = capability.operations.find((op) => op.name === 'get-ship');
    expect(getShip).toMatchObject({ method: 'GET', path: '/ships/{imo_number}', service: 'registry', inputParameters: [{ name: 'imo', in: 'path', target: 'imo_number', required: true }] });
    expect(getShip?.fixed).toEqual([{ in: 'header', name: 'Registry-Version', value: '{{REGISTRY_VERSION}}' }]);
    const create = capability.operations.find((op) => op.name === 'create-voyage');
    expect(create?.hints).toEqual({ readOnly: false, destructive: false, idempotent: false, openWorld: true });
    expect(create?.inputParameters.map((p) => `${p.in}:${p.name}:${String(p.required)}`)).toContain('body:cargoIds:false');
    expect(capability.services?.map((s) => [s.namespace, s.authentication?.type])).toEqual([
      ['registry', 'bearer'],
      ['legacy', 'apikey'],
    ]);
  });

  it('is refused with the file, the JSON path and every problem the schema finds', () => {
    const file = tutorialWith((doc) => {
      tool(doc, 'get-ship').hints = { readonly: true };
      delete obj(obj(tool(doc, 'list-ships').inputParameters).status).description;
      obj(output(doc, 'create-voyage').properties).voyageId = { type: 'string' };
    });
    const error = problemsOf(file);
    expect(error.message).toContain(`Invalid capability file ${file}: `);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        { where: 'capability.exposes[0].tools.get-ship.hints', problem: 'unknown key "readonly" (not in Ikanos 1.0.0-beta5)' },
        { where: 'capability.exposes[0].tools.list-ships.inputParameters.status', problem: "must have required property 'description'" },
        expect.objectContaining({ where: 'capability.exposes[0].tools.create-voyage.outputParameters[0].properties.voyageId', problem: "must have required property 'mapping'" }),
      ]),
    );
    // Only what is wrong with the variant the value is (a string output), not why it is no number, boolean…
    expect(error.problems.some((p) => /must be "(number|boolean|object)"/.test(p.problem))).toBe(false);
    for (const p of error.problems) expect(error.message).toContain(`at ${p.where}: ${p.problem}`);
  });

  it.each<[string, (doc: Doc) => void, string, RegExp]>([
    ['a call to an unknown operation', (d) => (tool(d, 'get-ship').call = 'registry.get-boat'), 'capability.exposes[0].tools.get-ship.call', /has no operation get-boat/],
    ['a with: key the operation does not have', (d) => (tool(d, 'get-ship').with = { imo: 'shipyard-tools.imo' }), 'capability.exposes[0].tools.get-ship.with.imo', /has no parameter imo/],
    ['an argument sent nowhere', (d) => (obj(tool(d, 'list-ships').inputParameters).page = { type: 'integer', description: 'Page' }), 'capability.exposes[0].tools.list-ships.inputParameters.page', /is not passed to registry.list-ships/],
    ['a JSONPath beyond the supported subset', (d) => (output(d, 'list-ships').mapping = '$.ships[*]'), 'capability.exposes[0].tools.list-ships.outputParameters[0].mapping', /not a supported JSONPath/],
    ['a tool made of steps', (d) => (tools(d)['list-ships'] = { description: 'x', steps: { one: { type: 'call', call: 'registry.list-ships' } } }), 'capability.exposes[0].tools.list-ships', /only tools with `call:` are supported yet/],
    ['a vault bind', (d) => (list(d.binds)[0]!.location = 'vault://secret/registry'), 'binds[0].location', /vault:\/\/ locations are not supported yet/],
    ['a missing imported file', (d) => (list(capabilityOf(d).consumes)[0]!.from = './shared/nowhere.yaml'), 'capability.consumes[0].from', /cannot read .*nowhere\.yaml \(ENOENT\)/],
    ['a parameter value mixing an argument with text', (d) => (tool(d, 'get-ship').with = { imo_number: 'IMO-{{imo}}' }), 'capability.exposes[0].tools.get-ship.call → registry.get-ship.inputParameters.imo_number', /mixes the argument imo with other text/],
    ['aggregates', (d) => (capabilityOf(d).aggregates = [{ display: 'Fleet', namespace: 'fleet', flows: { f: { description: 'f', call: 'registry.list-ships' } } }]), 'capability.aggregates', /aggregates are not supported yet/],
    ['no mcp exposes', (d) => (capabilityOf(d).exposes = [{ type: 'rest', port: 3000, namespace: 'api', resources: { r: { path: '/r', operations: { g: { method: 'GET', call: 'registry.list-ships' } } } } }]), 'capability.exposes', /no exposes entry of type mcp/],
  ])('refuses %s, naming the place', (_what, change, where, problem) => {
    const error = problemsOf(tutorialWith(change));
    expect(error.problems.map((p) => p.where)).toContain(where);
    expect(error.problems.find((p) => p.where === where)?.problem).toMatch(problem);
  });

  it('refuses authentication this server does not send yet, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ikanos-auth-'));
    const registry = list(obj(parse(readFileSync(join(TUTORIAL_DIR, 'shared', 'step6-registry-consumes.yaml'), 'utf8'))).consumes)[0]!;
    const doc = parse(tutorialText) as Doc;
    capabilityOf(doc).consumes = [{ ...registry, authentication: { type: 'basic', username: 'u', password: '{{P}}' } }];
    delete tools(doc)['list-legacy-vessels'];
    const file = join(dir, 'cap.yml');
    writeFileSync(file, stringify(doc));
    expect(problemsOf(file).problems).toContainEqual({ where: 'capability.consumes[0].authentication', problem: 'basic authentication is not supported yet (bearer, apikey)' });
  });

  it('takes its hints as the tool annotations, over what the method would say', () => {
    const file = tutorialWith((doc) => {
      tool(doc, 'get-ship').hints = { openWorld: false };
      tool(doc, 'create-voyage').hints = { readOnly: false, destructive: true, idempotent: true };
    });
    const annotations = Object.fromEntries(toolDefinitions(loadCapability(file)).map((t) => [t.name, t.annotations]));
    // get-ship: derived from GET, but for the one hint it states.
    expect(annotations['get-ship']).toEqual({ title: "Retrieve a ship's details by IMO number", readOnlyHint: true, idempotentHint: true, openWorldHint: false });
    // create-voyage: a POST with a body derives "creates, not idempotent"; its hints say otherwise.
    expect(annotations['create-voyage']).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true });
  });

  it('an alpha2 file is refused with every problem its schema finds, too', () => {
    const seed = parse(readFileSync(BUNDLED_CAPABILITY, 'utf8')) as Doc;
    const operations = list(list(list(capabilityOf(seed).consumes)[0]!.resources)[0]!.operations);
    operations[0]!.method = 'FETCH';
    delete operations[1]!.description;
    let error: unknown;
    try {
      parseCapability(stringify(seed), 'cap.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as CapabilityError).problems.map((p) => p.where)).toEqual(['capability.consumes[0].resources[0].operations[0].method', 'capability.consumes[0].resources[0].operations[1].description']);
    expect((error as CapabilityError).message).toMatch(/^Invalid capability file cap\.yaml: 2 problems:\n {2}- at capability\.consumes\[0\]\.resources\[0\]\.operations\[0\]\.method: /);
  });

  it('names the line of a YAML error in an Ikanos file like in any other', () => {
    expect(() => parseCapability('ikanos: 1.0.0-beta5\ncapability: [unclosed\n', 'broken.yml')).toThrow(/^Invalid capability file broken\.yml at line \d+, column \d+: not valid YAML/);
  });
});
