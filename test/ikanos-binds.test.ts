import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveBinds } from '../src/engine/binds.js';
import { loadCapability } from '../src/engine/load.js';
import { ConfigError } from '../src/errors.js';
import { baseEnv, runCli } from './helpers/cli.js';
import { TUTORIAL_SECRETS, tutorialCopy } from './helpers/ikanos-tutorial.js';

// Binds: {{KEY}} placeholders filled at start from a file:// location (relative to the capability)
// or the environment; a placeholder without a value stops the server, naming it and never a value.

const caught = (run: () => unknown): Error => {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('nothing was thrown');
};

const without = (secrets: Readonly<Record<string, string>>, key: string): Record<string, string> => Object.fromEntries(Object.entries(secrets).filter(([k]) => k !== key));

describe('binds', () => {
  it('fill the bearer token, the API key and a header from the file next to the capability', () => {
    const { capability, secrets } = resolveBinds(loadCapability(tutorialCopy('http://127.0.0.1:9')), {});
    const [registry, legacy] = capability.services ?? [];
    expect(registry?.authentication).toEqual({ type: 'bearer', token: TUTORIAL_SECRETS['registry-bearer-token'] });
    expect(legacy?.authentication).toMatchObject({ type: 'apikey', key: 'X-Dockyard-Key', value: TUTORIAL_SECRETS['dockyard-api-key'] });
    expect(capability.operations[0]?.fixed).toEqual([{ in: 'header', name: 'Registry-Version', value: TUTORIAL_SECRETS['registry-api-version'] }]);
    expect(secrets).toEqual(expect.arrayContaining([TUTORIAL_SECRETS['registry-bearer-token'], TUTORIAL_SECRETS['dockyard-api-key']]));
  });

  it('stop the server at start when a key has no value, naming the key and where it was looked for, and no value', () => {
    const rest = without(TUTORIAL_SECRETS, 'registry-bearer-token');
    const file = tutorialCopy('http://127.0.0.1:9', rest);
    const error = caught(() => resolveBinds(loadCapability(file), {}));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`REGISTRY_TOKEN (key "registry-bearer-token" of ${join(dirname(file), 'shared', 'secrets.yaml')})`);
    for (const value of Object.values(rest)) expect(error.message).not.toContain(value);
  });

  it('name the binds file when it is missing, without reading anything else', () => {
    const file = tutorialCopy('http://127.0.0.1:9');
    rmSync(join(dirname(file), 'shared', 'secrets.yaml'));
    expect(caught(() => resolveBinds(loadCapability(file), {})).message).toMatch(/cannot read the binds file .*secrets\.yaml \(ENOENT\)/);
  });

  it('read a bind without location from the environment', () => {
    const file = tutorialCopy('http://127.0.0.1:9');
    // The tutorial's binds with no location: the environment, under each key's source name.
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n {2}location: "file:\/\/\/\.\/shared\/secrets\.yaml"/g, ''));
    const env = { 'registry-bearer-token': 'from-env-token-123', 'registry-api-version': '7', 'dockyard-api-key': 'from-env-key-456' };
    const { capability } = resolveBinds(loadCapability(file), env);
    expect(capability.services?.[0]?.authentication).toEqual({ type: 'bearer', token: 'from-env-token-123' });
    expect(caught(() => resolveBinds(loadCapability(file), { ...env, 'dockyard-api-key': ' ' })).message).toContain('DOCKYARD_API_KEY (environment variable dockyard-api-key)');
  });

  it('stop the built server before it serves anything, with exit code 1', async () => {
    const rest = without(TUTORIAL_SECRETS, 'dockyard-api-key');
    const run = await runCli(['--capability', tutorialCopy('http://127.0.0.1:9', rest)], baseEnv);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/needs a value for DOCKYARD_API_KEY \(key "dockyard-api-key" of .*secrets\.yaml\)/);
    for (const value of Object.values(rest)) expect(run.stderr).not.toContain(value);
  });

  it('a capability that is not Clerk is refused with --sandbox and --http, before anything is served', async () => {
    const file = tutorialCopy('http://127.0.0.1:9');
    const [sandbox, http] = await Promise.all([runCli(['--sandbox', '--capability', file], baseEnv), runCli(['serve', '--http', '--capability', file], baseEnv)]);
    expect([sandbox.code, http.code]).toEqual([2, 2]);
    expect(sandbox.stderr).toContain("--sandbox simulates Clerk's Frontend API");
    expect(http.stderr).toContain('--http serves Clerk capabilities only, so far');
  });
});
