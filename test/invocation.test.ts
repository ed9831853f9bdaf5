import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli/arguments.js';
import { commandName } from '../src/invocation.js';
import { BIN, freshConfig, runCli } from './helpers/cli.js';

describe('messages name commands as the program was started, so that they paste as they are', () => {
  it('uses the bin name through an npm link, node and a relative path from a checkout, quoting odd paths', () => {
    expect(commandName({}, ['node', '/home/ann/.npm/_npx/1/node_modules/.bin/clerk-invitations-mcp'], '/tmp')).toBe('clerk-invitations-mcp');
    expect(commandName({}, ['node', '/src/cim/dist/index.js'], '/src/cim')).toBe('node dist/index.js');
    expect(commandName({ absolute: true }, ['node', '/src/cim/dist/index.js'], '/src/cim')).toBe('node /src/cim/dist/index.js');
    expect(commandName({}, ['node', '/src/cim/dist/index.js'], '/elsewhere')).toBe('node /src/cim/dist/index.js');
    expect(commandName({}, ['node', "/My Stuff/it's/dist/index.js"], '/tmp')).toBe(`node '/My Stuff/it'\\''s/dist/index.js'`);
  });

  it('whoami from a checkout says `node dist/index.js login`, not a bin that is not installed', async () => {
    const { env } = freshConfig();
    const run = await runCli(['whoami', '--frontend-api-url', 'http://127.0.0.1:9'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('run `node dist/index.js login`');
    expect(run.stderr).not.toContain('clerk-invitations-mcp login');
  });

  it('through a link named like the bin (npx, npm i -g), says `clerk-invitations-mcp login`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cim-bin-'));
    const link = join(dir, 'clerk-invitations-mcp');
    symlinkSync(BIN, link);
    const { env } = freshConfig();
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [link, 'whoami', '--frontend-api-url', 'http://127.0.0.1:9'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('run `clerk-invitations-mcp login`');
  });

  it('--help shows the usage with the command as started', async () => {
    const run = await runCli(['--help'], freshConfig().env);
    expect(run.stdout).toMatch(/^ {2}node dist\/index\.js login \[--identifier <email>\] +sign in, in a terminal$/m);
    expect(run.stdout).toMatch(/^ {2}node dist\/index\.js whoami +who the server acts as$/m);
  });
});

describe('on/off variables take the documented values and refuse anything else', () => {
  it('CLERK_SANDBOX=on means on; 2, maybe or enabled stop the server naming the variable', () => {
    expect(parseCli([], { CLERK_SANDBOX: 'on' }).sandbox).toBe(true);
    expect(parseCli([], { CLERK_SANDBOX: 'off' }).sandbox).toBe(false);
    expect(parseCli([], { CLERK_SANDBOX: ' YES ' }).sandbox).toBe(true);
    for (const value of ['2', 'maybe', 'enabled', 'y']) expect(() => parseCli([], { CLERK_SANDBOX: value })).toThrow('CLERK_SANDBOX must be 1 or 0 (true/false, yes/no, on/off)');
    for (const name of ['CLERK_READ_ONLY', 'CLERK_CONFIRM']) expect(() => parseCli([], { [name]: 'maybe' })).toThrow(`${name} must be 1 or 0`);
  });

  it('a server with a key and CLERK_SANDBOX=maybe does not start (it would talk to real Clerk)', async () => {
    const { env } = freshConfig();
    const run = await runCli([], { ...env, CLERK_PUBLISHABLE_KEY: 'pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk', CLERK_SANDBOX: 'maybe' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe('clerk-invitations-mcp: CLERK_SANDBOX must be 1 or 0 (true/false, yes/no, on/off)');
  });
});
