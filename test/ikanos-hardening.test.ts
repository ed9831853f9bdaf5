import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { resolveBinds } from '../src/engine/binds.js';
import { toolDefinitions } from '../src/engine/definitions.js';
import { loadCapability } from '../src/engine/load.js';
import { CapabilityError } from '../src/errors.js';
import { restExecutor } from '../src/rest/executor.js';

// What a hostile or careless Ikanos file, or a hostile argument, must not achieve: credentials sent
// to another origin, secrets left unredacted, files or variables read that the file does not own.

type Doc = Record<string, unknown>;

interface Shape {
  readonly baseUri?: string;
  readonly path?: string;
  readonly authentication?: Doc;
  /** The consumed operation's parameters. */
  readonly parameters?: Doc;
  /** The tool's arguments. */
  readonly args?: Doc;
  readonly method?: string;
  readonly body?: unknown;
  readonly binds?: Doc[];
  readonly description?: string;
}

/** A one-tool beta5 capability in a fresh folder; returns its path. */
function capabilityFile(shape: Shape = {}, dir = mkdtempSync(join(tmpdir(), 'ikanos-hardening-'))): string {
  const doc = {
    ikanos: '1.0.0-beta5',
    ...(shape.binds ? { binds: shape.binds } : {}),
    capability: {
      consumes: [
        {
          namespace: 'api',
          type: 'http',
          baseUri: shape.baseUri ?? 'http://127.0.0.1:9',
          ...(shape.authentication ? { authentication: shape.authentication } : {}),
          resources: {
            items: {
              path: shape.path ?? '/items/{{id}}',
              operations: {
                'get-item': {
                  method: shape.method ?? 'GET',
                  inputParameters: shape.parameters ?? { id: { in: 'path' } },
                  ...(shape.body !== undefined ? { body: shape.body } : {}),
                },
              },
            },
          },
        },
      ],
      exposes: [
        {
          type: 'mcp',
          transport: 'stdio',
          namespace: 'tools',
          tools: {
            'get-item': {
              description: shape.description ?? 'Reads an item',
              inputParameters: shape.args ?? { id: { type: 'string', required: true, description: 'The item' } },
              call: 'api.get-item',
              outputParameters: [{ type: 'object', properties: { name: { type: 'string', mapping: '$.name' } } }],
            },
          },
        },
      ],
    },
  };
  const file = join(dir, 'capability.ikanos.yml');
  writeFileSync(file, stringify(doc));
  return file;
}

function problemsOf(file: string): string {
  try {
    loadCapability(file);
  } catch (error) {
    if (error instanceof CapabilityError) return error.message;
    throw error;
  }
  throw new Error(`${file} was accepted`);
}

interface Received {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A loopback API recording each request and answering `answer(request)` (status, JSON body). */
async function loopbackApi(answer: (r: Received) => [number, unknown] = () => [200, { name: 'n' }]): Promise<{ url: string; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const r = { url: request.url ?? '', headers: request.headers };
    received.push(r);
    const [status, body] = answer(r);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  closers.push(() => new Promise((done) => server.close(() => done())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, received };
}

/** Runs the capability's one tool with `args` through the plain-HTTP executor; gives the result or the error's text as the agent reads it. */
async function run(file: string, args: Doc, env: Readonly<Record<string, string>> = {}): Promise<{ result?: unknown; text?: string }> {
  const bound = resolveBinds(loadCapability(file), env);
  const executor = restExecutor(bound.capability, bound.secrets, { timeoutMs: 5_000 });
  const [tool] = toolDefinitions(bound.capability);
  try {
    return { result: await executor.execute(tool!, args, new AbortController().signal) };
  } catch (error) {
    return { text: executor.explain('get-item', error).text };
  }
}

describe('the plain-HTTP executor sends credentials only to the base URI origin', () => {
  it('refuses at load a resource path not starting with "/"', () => {
    expect(problemsOf(capabilityFile({ path: '{{id}}/items' }))).toContain('a resource path must start with "/"');
  });

  it('sends nothing when the URL built would reach another origin (an argument naming another port)', async () => {
    const api = await loopbackApi();
    const port = String(api.port);
    // The base URI's port is the real one minus its last digit: the argument completes it.
    const file = capabilityFile({ baseUri: `http://127.0.0.1:${port.slice(0, -1)}`, path: '/items/{{id}}', authentication: { type: 'bearer', token: 'literal-bearer-token-1234' } });
    const bound = resolveBinds(loadCapability(file), {});
    const operation = bound.capability.operations[0]!;
    // Past the load check (a capability built in code): the executor checks the origin itself.
    const loose = { ...bound.capability, operations: [{ ...operation, path: '{id}/items' }] };
    const executor = restExecutor(loose, bound.secrets);
    const [tool] = toolDefinitions(loose);
    await expect(executor.execute(tool!, { id: port.slice(-1) }, new AbortController().signal)).rejects.toThrow(/refused, nothing was sent/);
    expect(api.received).toEqual([]);
  });

  it('encodes a path argument as one segment: "..", "/" and "?" cannot move the request', async () => {
    const api = await loopbackApi();
    const file = capabilityFile({ baseUri: `${api.url}/api` });
    for (const id of ['a/../../b', 'x?y=1#z']) await run(file, { id });
    expect(api.received.map((r) => r.url)).toEqual(['/api/items/a%2F..%2F..%2Fb', '/api/items/x%3Fy%3D1%23z']);
    // A URL resolves ".." whatever its encoding: refused, nothing sent.
    for (const id of ['..', '.']) expect((await run(file, { id })).text).toContain('refused, nothing was sent');
    expect(api.received).toHaveLength(2);
  });
});

describe('the plain-HTTP executor redacts', () => {
  it('a query-placed API key the API echoes in every URL encoding (URLSearchParams, lowercase hex)', async () => {
    const secret = "s3cret key~!'()*";
    // The API quotes the URL it got, as received and with its escapes lowercased.
    const api = await loopbackApi((r) => [400, { error: `bad request ${r.url} (${r.url.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}) ${encodeURIComponent(secret)}` }]);
    const file = capabilityFile({
      baseUri: api.url,
      authentication: { type: 'apikey', key: 'api_key', value: '{{KEY}}', placement: 'query' },
      binds: [{ namespace: 'env', keys: { KEY: 'TEST_API_KEY' } }],
    });
    const { text } = await run(file, { id: 'i1' }, { TEST_API_KEY: secret });
    expect(new URL(api.received[0]!.url, api.url).searchParams.get('api_key')).toBe(secret);
    expect(text).toContain('answered 400');
    expect(text).toContain('api_key=[redacted]');
    for (const fragment of ['s3cret', '%7E', '%7e']) expect(text).not.toContain(fragment);
  });

  it('a bearer token written literally in the file', async () => {
    const token = 'sk_live_literal_token_0123456789';
    const api = await loopbackApi((r) => [401, { error: `unknown ${String(r.headers.authorization)}` }]);
    const { text } = await run(capabilityFile({ baseUri: api.url, authentication: { type: 'bearer', token } }), { id: 'i1' });
    expect(api.received[0]?.headers.authorization).toBe(`Bearer ${token}`);
    expect(text).toContain('answered 401: {"error":"unknown Bearer [redacted]"}');
    expect(text).not.toContain('sk_live');
  });
});
