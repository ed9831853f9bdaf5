import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.js';

// What install keeps of a config it edits: the user's own fields, a duplicated key it refuses,
// a symlink it will not replace, other servers' secrets it does not print; and the entry Claude
// Code's CLI removed, put back when the add fails.

const KEY = 'pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk'; // example.accounts.dev
const REAL_BIN = realpathSync(BIN);
const CURSOR = '.cursor/mcp.json';

function freshHome(): { home: string; env: Record<string, string> } {
  const home = mkdtempSync(join(tmpdir(), 'cim-install-keep-'));
  return { home, env: { HOME: home, PATH: mkdtempSync(join(tmpdir(), 'cim-empty-path-')) } };
}

function place(home: string, relative: string, text: string): string {
  const file = join(home, relative);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** A `claude` that logs its argv and fails (exit 1) for the subcommand named by FAKE_CLAUDE_FAIL_ON (`add-json`, …). */
function fakeClaude(env: Record<string, string>): { env: Record<string, string>; calls: () => string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'cim-fake-claude-'));
  const log = join(dir, 'argv.log');
  writeFileSync(
    join(dir, 'claude'),
    `#!${process.execPath}\nconst argv = process.argv.slice(2);\nrequire('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(argv) + '\\n');\nif (process.env.FAKE_CLAUDE_FAIL_ON && argv[1] === process.env.FAKE_CLAUDE_FAIL_ON && !argv.some((arg) => arg.includes('"old-command"'))) { process.stderr.write('could not add'); process.exit(1); }\n`,
    { mode: 0o755 },
  );
  return { env: { ...env, PATH: dir }, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]) : []) };
}

describe('install keeps what is not its own', () => {
  it('updates only command, args and its env variables, keeping the user\'s env variables, disabled and alwaysAllow', async () => {
    const { home, env } = freshHome();
    const previous = { command: 'old', args: ['old.js'], env: { CLERK_FRONTEND_API_URL: 'https://old.example', HTTPS_PROXY: 'http://proxy:3128' }, disabled: true, alwaysAllow: ['getOrganizationInvitations'] };
    const file = place(home, CURSOR, JSON.stringify({ mcpServers: { 'clerk-invitations': previous } }, null, 2));
    const run = await runCli(['install', 'cursor', '--publishable-key', KEY], env);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('Updated "clerk-invitations"');
    expect((JSON.parse(readFileSync(file, 'utf8')) as { mcpServers: Record<string, unknown> }).mcpServers['clerk-invitations']).toEqual({
      command: process.execPath,
      args: [REAL_BIN],
      env: { HTTPS_PROXY: 'http://proxy:3128', CLERK_PUBLISHABLE_KEY: KEY },
      disabled: true,
      alwaysAllow: ['getOrganizationInvitations'],
    });
  });

  it('updates a Claude Code entry through `claude mcp add-json`, with the user\'s fields kept', async () => {
    const { home, env } = freshHome();
    const claude = fakeClaude(env);
    place(home, '.claude.json', JSON.stringify({ mcpServers: { 'clerk-invitations': { type: 'stdio', command: 'old-command', args: [], env: {}, disabled: true } } }));
    const run = await runCli(['install', 'claude-code', '--publishable-key', KEY], claude.env);
    expect(run.code).toBe(0);
    const added = claude.calls()[1] ?? [];
    expect(added.slice(0, 5)).toEqual(['mcp', 'add-json', '--scope', 'user', 'clerk-invitations']);
    expect(JSON.parse(added[5] ?? '')).toEqual({ type: 'stdio', command: process.execPath, args: [REAL_BIN], env: { CLERK_PUBLISHABLE_KEY: KEY }, disabled: true });
  });

  it("never puts the user's own env values on `claude`'s command line (other local users can read it): such an entry is updated in the file", async () => {
    const { home, env } = freshHome();
    const claude = fakeClaude(env);
    const file = place(home, '.claude.json', JSON.stringify({ mcpServers: { 'clerk-invitations': { type: 'stdio', command: 'old-command', args: [], env: { MY_TOKEN: 'secret-value-1' }, disabled: true } } }));
    const run = await runCli(['install', 'claude-code', '--publishable-key', KEY], claude.env);
    expect(run.code).toBe(0);
    expect(JSON.stringify(claude.calls())).not.toContain('secret-value-1');
    expect((JSON.parse(readFileSync(file, 'utf8')) as { mcpServers: Record<string, unknown> }).mcpServers['clerk-invitations']).toEqual({
      type: 'stdio',
      command: process.execPath,
      args: [REAL_BIN],
      env: { MY_TOKEN: 'secret-value-1', CLERK_PUBLISHABLE_KEY: KEY },
      disabled: true,
    });
  });

  it('puts the previous Claude Code entry back when adding the new one fails after the remove, and says so', async () => {
    const { home, env } = freshHome();
    const claude = fakeClaude(env);
    const previous = { type: 'stdio', command: 'old-command', args: [], env: {} };
    place(home, '.claude.json', JSON.stringify({ mcpServers: { 'clerk-invitations': previous } }));
    const run = await runCli(['install', 'claude-code', '--publishable-key', KEY], { ...claude.env, FAKE_CLAUDE_FAIL_ON: 'add-json' });
    expect(run.code).toBe(1);
    const calls = claude.calls();
    expect(calls.map((argv) => argv[1])).toEqual(['remove', 'add-json', 'add-json']);
    expect(calls[2]).toEqual(['mcp', 'add-json', '--scope', 'user', 'clerk-invitations', JSON.stringify(previous)]);
    expect(run.stderr).toContain("mcp add-json --scope user clerk-invitations '{…}'` failed (exit 1): could not add. The previous \"clerk-invitations\" entry, removed just before, was put back as it was");
  });

  it('refuses a config that gives the servers key twice (clients read the last), changing nothing', async () => {
    const { home, env } = freshHome();
    const original = '{"mcpServers": {"a": {"command": "x"}},\n "mcpServers": {"b": {"command": "y"}}}\n';
    const file = place(home, CURSOR, original);
    const run = await runCli(['install', 'cursor', '--sandbox'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`clerk-invitations-mcp: ${file}:2:2: "mcpServers" is given twice in the same object, and clients read the last one; nothing was changed. Merge the two into one and run again.\n`);
    expect(readFileSync(file, 'utf8')).toBe(original);
    // The entry's name twice, too.
    place(home, CURSOR, '{"mcpServers": {"clerk-invitations": {"command": "x"}, "clerk-invitations": {"command": "y"}}}');
    expect((await runCli(['uninstall', 'cursor'], env)).stderr).toContain('"clerk-invitations" is given twice');
  });

  it('--dry-run does not print other servers\' values (a neighbour\'s GITHUB_TOKEN) in the diff\'s context', async () => {
    const { home, env } = freshHome();
    const token = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz';
    place(home, CURSOR, JSON.stringify({ mcpServers: { github: { command: 'npx', env: { GITHUB_TOKEN: token } } } }, null, 2));
    const run = await runCli(['install', 'cursor', '--publishable-key', KEY, '--dry-run'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"GITHUB_TOKEN": "…"');
    expect(run.stdout).not.toContain(token);
    // Its own entry is shown in full.
    expect(run.stdout).toContain(`+        "CLERK_PUBLISHABLE_KEY": "${KEY}"`);
  });

  it('refuses a dangling symlinked config, leaving the link as it was', async () => {
    const { home, env } = freshHome();
    const link = join(home, CURSOR);
    mkdirSync(dirname(link), { recursive: true });
    const target = join(home, 'dotfiles', 'cursor-mcp.json');
    symlinkSync(target, link);
    const run = await runCli(['install', 'cursor', '--sandbox'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${link} is a symbolic link to ${target}, which does not exist; nothing was changed.`);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
  });
});
