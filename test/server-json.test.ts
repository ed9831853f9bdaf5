import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, addFormats } from '@modelcontextprotocol/server/validators/ajv';
import { describe, expect, it } from 'vitest';
import { DEFAULT_API_VERSION, DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS } from '../src/clerk/settings.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_SHUTDOWN_GRACE_MS } from '../src/mcp/http/options.js';
import { DEFAULT_BACKEND_API_URL } from '../src/clerk/backend/settings.js';
import { DEFAULT_TOKEN_CACHE_MS } from '../src/clerk/backend/token-verifier.js';
import { PAGE_TIMEOUT_MS } from '../src/cli/web-login/timeout.js';
import { DEFAULT_ACCESS_TOKEN_TTL_SECONDS } from '../src/sandbox/oauth/state.js';

// server.json: this server's entry for the official MCP Registry, checked against the registry's own
// JSON Schema (a copy in schemas/, with its source in schemas/README.md: no network here).
const ROOT = join(import.meta.dirname, '..');
const read = (file: string): unknown => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

interface EnvironmentVariable {
  name: string;
  isSecret?: boolean;
  default?: string;
}
interface ServerJson {
  $schema: string;
  name: string;
  version: string;
  repository: { url: string; source: string };
  packages: { registryType: string; identifier: string; version: string; transport: { type: string }; environmentVariables: EnvironmentVariable[] }[];
  remotes?: unknown[];
}

const server = read('server.json') as ServerJson;
const pkg = read('package.json') as { name: string; version: string; mcpName: string; repository: { url: string } };

/** A validator for the committed schema that server.json names by its `$id`. */
function registryValidator() {
  const schemas = readdirSync(join(ROOT, 'schemas')).filter((f) => f.endsWith('.json')).map((f) => read(join('schemas', f)) as { $id: string });
  const schema = schemas.find((s) => s.$id === server.$schema);
  if (!schema) throw new Error(`no schema with $id ${server.$schema} in schemas/`);
  // Not strict: the registry's schema carries OpenAPI's `example` next to the JSON Schema keywords.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** Every CLERK_… variable the sources read. */
function variablesRead(): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    for (const [name] of readFileSync(join(ROOT, 'src', file), 'utf8').matchAll(/\bCLERK_[A-Z0-9_]+\b/g)) names.add(name);
  }
  return [...names].sort();
}

describe('server.json (the MCP Registry entry)', () => {
  it("is valid against the registry's JSON Schema, which refuses a broken entry", () => {
    const validate = registryValidator();
    expect(validate(server), JSON.stringify(validate.errors)).toBe(true);
    // The check can fail: the registry's limits and required fields are enforced.
    expect(validate({ ...server, description: 'x'.repeat(101) })).toBe(false);
    expect(validate({ ...server, packages: [{ ...server.packages[0], transport: undefined }] })).toBe(false);
    expect(validate({ ...server, name: 'no-namespace' })).toBe(false);
  });

  it("names this npm package, at package.json's version, with the registry name package.json claims", () => {
    expect(server.version).toBe(pkg.version);
    expect(server.packages).toHaveLength(1);
    expect(server.packages[0]).toMatchObject({ registryType: 'npm', identifier: pkg.name, version: pkg.version, transport: { type: 'stdio' } });
    // The registry checks that the npm package's mcpName is this name before it lists it.
    expect(server.name).toBe(pkg.mcpName);
    expect(server.repository).toEqual({ url: pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, ''), source: 'github' });
  });

  it('lists every CLERK_ variable the server reads, the secrets marked secret, with the defaults the server uses', () => {
    const variables = server.packages[0]?.environmentVariables ?? [];
    expect(variables.map((v) => v.name).sort()).toEqual(variablesRead());
    expect(variables.filter((v) => v.isSecret).map((v) => v.name).sort()).toEqual(['CLERK_CLIENT_TOKEN', 'CLERK_MCP_HTTP_TOKEN', 'CLERK_SECRET_KEY', 'CLERK_SIGN_IN_TICKET']);
    const defaults = Object.fromEntries(variables.filter((v) => v.default !== undefined).map((v) => [v.name, v.default]));
    expect(defaults).toMatchObject({
      CLERK_API_VERSION: DEFAULT_API_VERSION,
      CLERK_TIMEOUT_MS: String(DEFAULT_TIMEOUT_MS),
      CLERK_MAX_RESPONSE_BYTES: String(DEFAULT_MAX_RESPONSE_BYTES),
      CLERK_MAX_CONCURRENCY: String(DEFAULT_MAX_CONCURRENCY),
      CLERK_MCP_HTTP_REQUEST_TIMEOUT_MS: String(DEFAULT_REQUEST_TIMEOUT_MS),
      CLERK_MCP_HTTP_SHUTDOWN_GRACE_MS: String(DEFAULT_SHUTDOWN_GRACE_MS),
      CLERK_MCP_TOKEN_CACHE_MS: String(DEFAULT_TOKEN_CACHE_MS),
      CLERK_BACKEND_API_URL: DEFAULT_BACKEND_API_URL,
      CLERK_LOGIN_PAGE_TIMEOUT_MS: String(PAGE_TIMEOUT_MS),
      CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS: String(DEFAULT_ACCESS_TOKEN_TTL_SECONDS),
    });
  });
});
