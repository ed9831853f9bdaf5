import { createServer, type IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { resolveBinds } from '../src/engine/binds.js';
import { toolDefinitions } from '../src/engine/definitions.js';
import { loadCapability } from '../src/engine/load.js';
import { MAX_CAPABILITY_FILE_BYTES } from '../src/engine/capability-files.js';
import { CapabilityError, ConfigError } from '../src/errors.js';
import { restExecutor } from '../src/rest/executor.js';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { createServer as createMcpServer } from '../src/mcp/server.js';
import { StdioTransport } from '../src/mcp/stdio.js';
import { serveRestInMemory } from './helpers/ikanos-tutorial.js';

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
  /** Where the adapter is imported from (`from:`), instead of written in the file. */
  readonly from?: string;
}

/** The consumed adapter `api` of a shape. */
function adapterOf(shape: Shape): Doc {
  return {
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
  };
}

/** A one-tool beta5 capability in a fresh folder; returns its path. */
function capabilityFile(shape: Shape = {}, dir = mkdtempSync(join(tmpdir(), 'ikanos-hardening-'))): string {
  const doc = {
    ikanos: '1.0.0-beta5',
    ...(shape.binds ? { binds: shape.binds } : {}),
    capability: {
      consumes: [shape.from !== undefined ? { import: 'api', from: shape.from } : adapterOf(shape)],
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

/** A folder holding `inside/` (where the capability goes) and files outside it. */
function folders(): { outside: string; inside: string } {
  const outside = mkdtempSync(join(tmpdir(), 'ikanos-outside-'));
  const inside = join(outside, 'inside');
  mkdirSync(inside);
  return { outside, inside };
}

const adapterFile = (path: string): string => {
  writeFileSync(path, stringify({ ikanos: '1.0.0-beta5', consumes: [adapterOf({})] }));
  return path;
};

describe('a capability reads only what it owns', () => {
  it('refuses `from:` out of its folder: an absolute path, a file:/// URI, ../ and a symbolic link', () => {
    const { outside, inside } = folders();
    const shared = adapterFile(join(outside, 'shared.yaml'));
    // The same file inside is fine: the refusals below are about the place only.
    adapterFile(join(inside, 'own.yaml'));
    expect(loadCapability(capabilityFile({ from: './own.yaml' }, inside)).operations).toHaveLength(1);
    symlinkSync(shared, join(inside, 'link.yaml'));
    for (const from of [shared, `file://${shared}`, '../shared.yaml', 'file:///../shared.yaml', './link.yaml']) {
      const message = problemsOf(capabilityFile({ from }, inside));
      expect(message, from).toContain("is outside the capability's folder");
      expect(message).toContain('capability.consumes[0].from');
    }
  });

  it('refuses a bind location out of its folder, at load and again when the value is read', () => {
    const { outside, inside } = folders();
    writeFileSync(join(outside, 'secrets.yaml'), 'token: outside-secret-value\n');
    writeFileSync(join(inside, 'secrets.yaml'), 'token: inside-secret-value\n');
    const withBind = (location: string): string =>
      capabilityFile({ authentication: { type: 'bearer', token: '{{TOKEN}}' }, binds: [{ namespace: 'files', location, keys: { TOKEN: 'token' } }] }, inside);
    expect(resolveBinds(loadCapability(withBind('file:///./secrets.yaml')), {}).capability.services?.[0]?.authentication).toEqual({ type: 'bearer', token: 'inside-secret-value' });
    symlinkSync(join(outside, 'secrets.yaml'), join(inside, 'link.yaml'));
    for (const location of [`file://${join(outside, 'secrets.yaml')}`, 'file:///../secrets.yaml', 'file:///./link.yaml']) {
      expect(problemsOf(withBind(location)), location).toMatch(/binds\[0\]\.location: .*is outside the capability's folder/);
    }
    // Loaded while the file was its own, then replaced by a link out: read, it is refused.
    const capability = loadCapability(withBind('file:///./secrets.yaml'));
    const swapped = join(inside, 'secrets.yaml');
    symlinkSync(join(outside, 'secrets.yaml'), `${swapped}.tmp`);
    renameSync(`${swapped}.tmp`, swapped);
    let caught: unknown;
    try {
      resolveBinds(capability, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toContain("is outside the capability's folder");
    expect((caught as Error).message).not.toContain('outside-secret-value');
  });

  it('refuses a placeholder no bind declares, naming it, instead of reading that environment variable', () => {
    const file = capabilityFile({ authentication: { type: 'bearer', token: '{{HOME}}' } });
    expect(problemsOf(file)).toContain('{{HOME}} is used but no bind declares it');
  });
});

describe('a capability file that would crash or exhaust the server is refused, naming the file and the problem', () => {
  const tooBig = (path: string): string => {
    writeFileSync(path, `# ${'x'.repeat(MAX_CAPABILITY_FILE_BYTES)}\nikanos: 1.0.0-beta5\n`);
    return path;
  };

  it('more than a megabyte, as the capability, an imported adapter and a binds file', () => {
    const { inside } = folders();
    expect(problemsOf(tooBig(join(inside, 'big.yml')))).toMatch(/big\.yml: is \d+ bytes, more than the 1048576 read/);
    tooBig(join(inside, 'big-adapter.yaml'));
    expect(problemsOf(capabilityFile({ from: './big-adapter.yaml' }, inside))).toMatch(/cannot read .*big-adapter\.yaml \(is \d+ bytes, more than the 1048576 read\)/);
    tooBig(join(inside, 'secrets.yaml'));
    const file = capabilityFile({ authentication: { type: 'bearer', token: '{{TOKEN}}' }, binds: [{ namespace: 'f', location: 'file:///./secrets.yaml', keys: { TOKEN: 'token' } }] }, inside);
    expect(() => resolveBinds(loadCapability(file), {})).toThrow(/cannot read the binds file .*secrets\.yaml \(is \d+ bytes, more than the 1048576 read\)/);
  });

  it.runIf(process.platform === 'linux')('not a regular file (/dev/zero), as the capability and as `from:`', () => {
    const { inside } = folders();
    expect(problemsOf('/dev/zero')).toBe('Invalid capability file /dev/zero: is not a regular file');
    symlinkSync('/dev/zero', join(inside, 'zero.yaml'));
    // Through a link inside the folder: the link leads out, which is refused first; a device inside it is not a regular file.
    expect(problemsOf(capabilityFile({ from: './zero.yaml' }, inside))).toMatch(/outside the capability's folder|not a regular file/);
    mkdirSync(join(inside, 'folder.yaml'));
    expect(problemsOf(capabilityFile({ from: './folder.yaml' }, inside))).toMatch(/cannot read .*folder\.yaml \(is not a regular file\)/);
  });

  it('a billion-laughs file: the yaml alias limit, as a problem of the file', () => {
    const { inside } = folders();
    const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n');
    const file = join(inside, 'laughs.yml');
    writeFileSync(file, `${laughs}\n`);
    expect(problemsOf(file)).toMatch(/laughs\.yml: not valid YAML: .*alias/i);
    writeFileSync(join(inside, 'laughs.yaml'), `${laughs}\n`);
    expect(problemsOf(capabilityFile({ from: './laughs.yaml' }, inside))).toMatch(/laughs\.yaml is not valid YAML \(.*alias/i);
  });

  it('a file:// URI naming another host', () => {
    expect(problemsOf(capabilityFile({ from: 'file://server/share/x.yaml' }))).toMatch(/capability\.consumes\[0\]\.from: .*file:\/\/server\/share\/x\.yaml is not a local file URI \(ERR_INVALID_FILE_URL_HOST\)/);
  });
});

describe('$env.NAME in authentication', () => {
  it('is read from that environment variable, declared by its use, and redacted', async () => {
    const token = 'env-bearer-token-5e1d9a';
    const api = await loopbackApi((r) => [403, { error: `no access for ${String(r.headers.authorization)}` }]);
    const file = capabilityFile({ baseUri: api.url, authentication: { type: 'bearer', token: '$env.TEST_BEARER_TOKEN' } });
    expect(loadCapability(file).binds).toEqual([{ key: 'TEST_BEARER_TOKEN', sourceKey: 'TEST_BEARER_TOKEN' }]);
    const { text } = await run(file, { id: 'i1' }, { TEST_BEARER_TOKEN: token });
    expect(api.received[0]?.headers.authorization).toBe(`Bearer ${token}`);
    expect(text).toContain('no access for Bearer [redacted]');
    expect(() => resolveBinds(loadCapability(file), {})).toThrow('needs a value for TEST_BEARER_TOKEN (environment variable TEST_BEARER_TOKEN)');
  });
});

describe('a body template', () => {
  it('refuses a body parameter it does not use (it would be dropped silently)', () => {
    const file = capabilityFile({
      method: 'POST',
      path: '/items',
      parameters: { name: { in: 'body' } },
      body: { type: 'json', data: { title: 'fixed' } },
      args: { name: { type: 'string', required: true, description: 'The name' } },
    });
    expect(problemsOf(file)).toContain('tools.get-item.inputParameters.name: goes to the body parameter name, but the body template of api.get-item does not use {{name}}: it would never be sent');
  });

  it('takes a body parameter it uses', () => {
    const file = capabilityFile({ method: 'POST', path: '/items', parameters: { name: { in: 'body' } }, body: '{ "title": "{{name}}" }', args: { name: { type: 'string', required: true, description: 'The name' } } });
    expect(loadCapability(file).operations[0]?.inputParameters.map((p) => `${p.in}:${p.name}`)).toEqual(['body:name']);
  });
});

describe('a header-bound argument', () => {
  it('with a line break is a plain validation error naming it, and nothing is sent', async () => {
    const api = await loopbackApi();
    const file = capabilityFile({ baseUri: api.url, path: '/items', parameters: { trace: { in: 'header' } }, args: { trace: { type: 'string', required: true, description: 'A trace id' } } });
    const served = await serveRestInMemory(loadCapability(file));
    closers.push(() => served.close());
    const { tools } = await served.client.listTools();
    expect(JSON.stringify(tools[0]?.inputSchema)).toContain('"pattern"');
    const result = await served.call('get-item', { trace: 'abc\r\nX-Injected: 1' });
    expect(result.isError).toBe(true);
    const text = JSON.stringify(result.content);
    expect(text).toContain('trace');
    expect(text).toContain('must not contain a line break');
    expect(text).not.toMatch(/unexpected/i);
    expect(api.received).toEqual([]);
    expect((await served.call('get-item', { trace: 'abc-1' })).isError).toBeFalsy();
    expect(api.received[0]?.headers.trace).toBe('abc-1');
  });
});

describe('messages of a plain-HTTP capability', () => {
  it('name its API, not Clerk, when a declined confirmation sent nothing', async () => {
    const api = await loopbackApi();
    const bound = resolveBinds(loadCapability(capabilityFile({ baseUri: `${api.url}/v2`, method: 'DELETE' })), {});
    const executor = restExecutor(bound.capability, bound.secrets);
    const server = createMcpServer({ capability: bound.capability, executor, instructions: 'test', confirm: true });
    const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler('elicitation/create', () => ({ action: 'decline' }));
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    closers.push(async () => {
      await client.close();
      await server.close();
    });
    const result = await client.callTool({ name: 'get-item', arguments: { id: 'i1' } });
    expect(result.isError).toBe(true);
    const text = JSON.stringify(result.content);
    expect(text).toContain(`Nothing was sent to ${new URL(api.url).host}.`);
    expect(text).not.toContain('Clerk');
    expect(api.received).toEqual([]);
  });

  it('name its API when the server stops before a waiting call ran', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const transport = new StdioTransport(stdin, stdout, { maxDispatched: 1, serviceName: 'api.example.com' });
    // No server behind it: the first call stays in flight, the second waits for its turn.
    transport.onmessage = () => undefined;
    await transport.start();
    for (const id of ['first', 'second']) stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'get-item', arguments: { id } } })}\n`);
    await expect.poll(() => transport.awaiting).toBe(2);
    await transport.drain(50);
    await expect.poll(() => out).toContain('get-item was not run: the server is stopping. Nothing was sent to api.example.com.');
    await transport.close();
  });
});
