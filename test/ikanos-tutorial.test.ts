import { afterEach, describe, expect, it } from 'vitest';
import { loadCapability } from '../src/engine/load.js';
import { text } from './helpers/connect.js';
import { startFakeClerk, type FakeClerk, type Handler } from './helpers/fake-clerk.js';
import { serveRestInMemory, TUTORIAL_SECRETS, tutorialCopy, type ServedRest } from './helpers/ikanos-tutorial.js';

// The Ikanos engine's own tutorial capability (step 6: a bearer bind, an imported consumes file,
// write operations), served by this server against a loopback fake of its registry API.

const SHIPS = [
  { imo_number: 'IMO 9321483', vessel_name: 'Northern Star', vessel_type: 'container', flag_code: 'NO', operational_status: 'active', year_built: 2008, internal: 'x' },
  { imo_number: 'IMO 9500012', vessel_name: 'Blue Heron', vessel_type: 'tanker', flag_code: 'PA', operational_status: 'active', year_built: 2015 },
];
const SHIP = { ...SHIPS[0], gross_tonnage: 54_000, dimensions: { length_overall: 294.1, beam: 32.2 } };
const VOYAGE = { voyageId: 'voy-1', shipImo: 'IMO 9321483', departurePort: 'Oslo', arrivalPort: 'Rotterdam', departureDate: '2026-12-01', arrivalDate: '2026-12-04', crewIds: ['c1', 'c2'], cargoIds: [], status: 'planned', extra: true };

const registry: Handler = (request) => {
  if (request.method === 'GET' && request.path === '/api/ships') return { json: SHIPS };
  if (request.method === 'GET' && request.path.startsWith('/api/ships/')) return { json: SHIP };
  if (request.method === 'GET' && request.path === '/api/vessels') return { json: { vessel: [{ vesselCode: 'V-1', vesselName: 'Old Faithful', category: 'tug', flagState: 'GB', operationalStatus: 'laid_up' }] } };
  if (request.method === 'POST' && request.path === '/api/voyages') return { status: 201, json: VOYAGE };
  return { status: 404, json: { error: 'not found' } };
};

let fake: FakeClerk | undefined;
let mcp: ServedRest | undefined;
afterEach(async () => {
  await mcp?.close();
  mcp = fake = undefined;
});

async function serveTutorial(handler: Handler = registry): Promise<ServedRest> {
  fake = await startFakeClerk(handler);
  mcp = await serveRestInMemory(loadCapability(tutorialCopy(fake.url)));
  return mcp;
}

describe('the Ikanos tutorial capability', () => {
  it('is read as plain HTTP, not Clerk', () => {
    expect(loadCapability(tutorialCopy('http://127.0.0.1:9')).profile).toBe('http');
  });

  it('lists exactly the tools its exposes block declares, with their arguments and hints', async () => {
    const { client } = await serveTutorial();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['list-ships', 'get-ship', 'list-legacy-vessels', 'create-voyage']);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName['get-ship']).toMatchObject({
      title: "Retrieve a ship's details by IMO number",
      description: "Retrieve a ship's details by IMO number",
      inputSchema: { properties: { imo: { type: 'string', description: 'IMO number of the ship' } }, required: ['imo'] },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    });
    // required defaults to true; `required: false` makes an argument optional.
    expect(byName['list-ships']?.inputSchema.required ?? []).toEqual([]);
    expect(byName['create-voyage']?.inputSchema.required).toEqual(['shipImo', 'departurePort', 'arrivalPort', 'departureDate', 'arrivalDate', 'crewIds']);
    // Its hints, as the capability states them.
    expect(byName['create-voyage']?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true });
    expect(Object.keys(byName['get-ship']?.outputSchema?.properties ?? {})).toEqual(['imo', 'name', 'type', 'flag', 'status', 'specs']);
    expect(fake?.requests, 'listing tools calls nothing').toEqual([]);
  });

  it('list-ships: GET /ships with the query, the bearer token from the bind and the version header; the mapped list', async () => {
    const served = await serveTutorial();
    const result = await served.call('list-ships', { status: 'active' });
    expect(result.isError).toBeFalsy();
    const [request] = fake?.requests ?? [];
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe('/api/ships');
    expect(Object.fromEntries(request?.query ?? [])).toEqual({ status: 'active' });
    expect(request?.headers.authorization).toBe(`Bearer ${TUTORIAL_SECRETS['registry-bearer-token']}`);
    expect(request?.headers['registry-version']).toBe(TUTORIAL_SECRETS['registry-api-version']);
    expect(result.structuredContent).toEqual({
      data: [
        { imo: 'IMO 9321483', name: 'Northern Star', type: 'container', flag: 'NO', status: 'active' },
        { imo: 'IMO 9500012', name: 'Blue Heron', type: 'tanker', flag: 'PA', status: 'active' },
      ],
      total_count: 2,
    });
  });

  it('get-ship: the argument imo goes, through with:, into the path as imo_number; nested output mapped', async () => {
    const served = await serveTutorial();
    const result = await served.call('get-ship', { imo: 'IMO 9321483/x' });
    expect(result.isError).toBeFalsy();
    expect(fake?.requests[0]?.rawPath).toBe('/api/ships/IMO%209321483%2Fx');
    expect(result.structuredContent).toEqual({
      imo: 'IMO 9321483',
      name: 'Northern Star',
      type: 'container',
      flag: 'NO',
      status: 'active',
      specs: { yearBuilt: 2008, tonnage: 54_000, length: 294.1 },
    });
  });

  it('list-legacy-vessels: the imported legacy adapter, its API key header from the bind, the list mapped from $.vessel', async () => {
    const served = await serveTutorial();
    const result = await served.call('list-legacy-vessels', {});
    expect(result.isError).toBeFalsy();
    const [request] = fake?.requests ?? [];
    expect(request?.path).toBe('/api/vessels');
    expect([...(request?.query ?? [])]).toEqual([]);
    expect(request?.headers['x-dockyard-key']).toBe(TUTORIAL_SECRETS['dockyard-api-key']);
    expect(request?.headers.authorization).toBeUndefined();
    expect(result.structuredContent).toEqual({ data: [{ vesselCode: 'V-1', name: 'Old Faithful', type: 'tug', flag: 'GB', status: 'laid_up' }], total_count: 1 });
  });

  it('create-voyage: POST /voyages with the JSON body its template makes; the mapped voyage', async () => {
    const served = await serveTutorial();
    const args = { shipImo: 'IMO 9321483', departurePort: 'Oslo "North"', arrivalPort: 'Rotterdam', departureDate: '2026-12-01', arrivalDate: '2026-12-04', crewIds: ['c1', 'c2'] };
    const result = await served.call('create-voyage', args);
    expect(result.isError, text(result)).toBeFalsy();
    const [request] = fake?.requests ?? [];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/api/voyages');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBe(`Bearer ${TUTORIAL_SECRETS['registry-bearer-token']}`);
    // A quote in an argument stays inside its string; the optional list not given is null.
    expect(JSON.parse(request?.body ?? '')).toEqual({ ...args, cargoIds: null });
    expect(result.structuredContent).toEqual({
      voyageId: 'voy-1',
      shipImo: 'IMO 9321483',
      route: { from: 'Oslo', to: 'Rotterdam' },
      dates: { departure: '2026-12-01', arrival: '2026-12-04' },
      crewIds: ['c1', 'c2'],
      cargoIds: [],
      status: 'planned',
    });
  });

  it('an API error is reported with its status, and no bound secret in it, even when the API echoes them', async () => {
    const served = await serveTutorial((request) => ({ status: 401, json: { error: 'unauthorized', echoed: request.headers, url: request.rawPath } }));
    const result = await served.call('list-legacy-vessels', {});
    expect(result.isError).toBe(true);
    const said = text(result);
    expect(said).toMatch(/GET \/vessels answered 401/);
    expect(said).toContain('[redacted]');
    for (const secret of [TUTORIAL_SECRETS['dockyard-api-key'], TUTORIAL_SECRETS['registry-bearer-token']]) expect(said).not.toContain(secret);
    // The server keeps serving.
    expect((await served.client.listTools()).tools).toHaveLength(4);
  });
});
