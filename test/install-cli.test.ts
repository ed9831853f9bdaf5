import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli/arguments.js';
import { runInstall } from '../src/cli/install/command.js';
import { UsageError } from '../src/errors.js';
import { BIN, runCli } from './helpers/cli.js';

const KEY = 'pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk'; // example.accounts.dev
const REAL_BIN = realpathSync(BIN);

/** A home folder of its own, and a PATH with nothing on it (no real `claude` of this machine). */
function freshHome(): { home: string; env: Record<string, string> } {
  const home = mkdtempSync(join(tmpdir(), 'cim-install-home-'));
  return { home, env: { HOME: home, PATH: mkdtempSync(join(tmpdir(), 'cim-empty-path-')) } };
}

/** Each client's config under a Linux home, as the bin (running here, on Linux) finds it. */
const CONFIGS = {
  'claude-desktop': { file: '.config/Claude/claude_desktop_config.json', key: 'mcpServers', extra: {} },
  'claude-code': { file: '.claude.json', key: 'mcpServers', extra: { type: 'stdio' } },
  cursor: { file: '.cursor/mcp.json', key: 'mcpServers', extra: {} },
  vscode: { file: '.config/Code/User/mcp.json', key: 'servers', extra: { type: 'stdio' } },
} as const;

function place(home: string, relative: string, text: string): string {
  const file = join(home, relative);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const backupsOf = (file: string): string[] => readdirSync(dirname(file)).filter((name) => name.startsWith(`${basename(file)}.`) && name.endsWith('.bak'));

// Tabs, CRLF, keys in no particular order, another server written on one line, no final newline.
const ODD = (key: string): string => `{\r\n\t"zeta": true,\r\n\t"${key}": {\r\n\t\t"other": {"command": "npx", "args": ["-y", "other-server"]}\r\n\t},\r\n\t"alpha": [1, 2]\r\n}`;

describe('install <client> through the built bin, in a temporary home', () => {
  for (const [client, { file: relative, key, extra }] of Object.entries(CONFIGS)) {
    it(`${client}: adds the entry beside the other servers, keeps the layout, saves the original bytes first; a second run changes nothing`, async () => {
      const { home, env } = freshHome();
      const original = ODD(key);
      const file = place(home, relative, original);

      const run = await runCli(['install', client, '--publishable-key', KEY, '--read-only', '--tools', 'getOrganizationInvitations'], env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const text = readFileSync(file, 'utf8');
      const config = JSON.parse(text) as Record<string, Record<string, unknown>>;
      expect(config[key]).toEqual({
        other: { command: 'npx', args: ['-y', 'other-server'] },
        'clerk-invitations': { ...extra, command: process.execPath, args: [REAL_BIN, '--read-only', '--tools', 'getOrganizationInvitations'], env: { CLERK_PUBLISHABLE_KEY: KEY } },
      });
      expect(Object.keys(config)).toEqual(['zeta', key, 'alpha']);
      expect(text.startsWith(`{\r\n\t"zeta": true,\r\n\t"${key}": {\r\n\t\t"other": {"command": "npx", "args": ["-y", "other-server"]},\r\n\t\t"clerk-invitations": {\r\n\t\t\t`)).toBe(true);
      expect(text.endsWith('\t},\r\n\t"alpha": [1, 2]\r\n}')).toBe(true);
      expect(text.replace(/\r\n/g, '')).not.toContain('\n');

      const backups = backupsOf(file);
      expect(backups).toHaveLength(1);
      expect(readFileSync(join(dirname(file), backups[0] ?? ''), 'utf8')).toBe(original);
      expect(run.stdout).toContain(`Added "clerk-invitations" in `);
      expect(run.stdout).toContain(`(the previous file is saved as ${join(dirname(file), backups[0] ?? '')})`);
      expect(run.stdout).toContain(`The client will run: ${process.execPath} ${REAL_BIN} --read-only --tools getOrganizationInvitations with CLERK_PUBLISHABLE_KEY=${KEY}\n`);
      expect(run.stdout).toMatch(/Next: (quit|start|restart|in VS Code)/);
      expect(run.stdout).toContain('login --frontend-api-url https://example.accounts.dev');

      const again = await runCli(['install', client, '--publishable-key', KEY, '--read-only', '--tools', 'getOrganizationInvitations'], env);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('nothing changed');
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(backupsOf(file)).toHaveLength(1);
    });
  }

  it('creates the file and its folders when there is none, without a backup', async () => {
    const { home, env } = freshHome();
    const run = await runCli(['install', 'vscode', '--sandbox'], env);
    expect(run.code).toBe(0);
    const file = join(home, CONFIGS.vscode.file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ servers: { 'clerk-invitations': { type: 'stdio', command: process.execPath, args: [REAL_BIN, '--sandbox'], env: {} } } });
    expect(backupsOf(file)).toEqual([]);
    // As an editor would create it: what the umask (inherited by the bin) allows.
    expect(statSync(file).mode & 0o777).toBe(0o666 & ~process.umask());
    expect(run.stdout).toContain('(a new file)');
    expect(run.stdout).not.toContain('login');
  });

  it('creates a file as private as the umask says (077: 0600), since client configs hold other servers\' tokens later', () => {
    const { home, env } = freshHome();
    const run = spawnSync('/bin/sh', ['-c', 'umask 077 && exec "$0" "$@"', process.execPath, BIN, 'install', 'cursor', '--sandbox'], { env, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(statSync(join(home, CONFIGS.cursor.file)).mode & 0o777).toBe(0o600);
  });

  it('updates an outdated entry of its own, under --name, leaving the default name alone', async () => {
    const { home, env } = freshHome();
    const file = place(home, CONFIGS.cursor.file, '{"mcpServers": {"clerk-invitations": {"command": "keep"}, "clerk-test": {"command": "old"}}}\n');
    const run = await runCli(['install', 'cursor', '--name', 'clerk-test', '--sandbox'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Updated "clerk-test"');
    const servers = (JSON.parse(readFileSync(file, 'utf8')) as { mcpServers: Record<string, unknown> }).mcpServers;
    expect(servers['clerk-invitations']).toEqual({ command: 'keep' });
    expect(servers['clerk-test']).toEqual({ command: process.execPath, args: [REAL_BIN, '--sandbox'], env: {} });
  });

  it('refuses a file it cannot parse: exit 1, the file and place named, the file unchanged byte for byte, no backup', async () => {
    const { home, env } = freshHome();
    const broken = '{\n  "mcpServers": {\n    "other": {"command": "x"}\n    "second": {}\n  }\n}\n';
    const file = place(home, CONFIGS['claude-desktop'].file, broken);
    const run = await runCli(['install', 'claude-desktop', '--publishable-key', KEY], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`clerk-invitations-mcp: ${file}:4:5: not valid JSON (CommaExpected); nothing was changed. Fix the file (or move it aside) and run again.\n`);
    expect(readFileSync(file)).toEqual(Buffer.from(broken));
    expect(readdirSync(dirname(file))).toEqual([basename(file)]);
    const uninstall = await runCli(['uninstall', 'claude-desktop'], env);
    expect(uninstall.code).toBe(1);
    expect(readFileSync(file)).toEqual(Buffer.from(broken));
  });

  it('reports a config it cannot read or write in one line naming it: a folder where the file should be, a file where a folder should be', async () => {
    const { home, env } = freshHome();
    mkdirSync(join(home, CONFIGS.cursor.file), { recursive: true });
    const folder = await runCli(['install', 'cursor', '--sandbox'], env);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toBe(`clerk-invitations-mcp: cannot read ${join(home, CONFIGS.cursor.file)} (EISDIR: illegal operation on a directory, read); nothing was changed.\n`);
    writeFileSync(join(home, '.config'), 'not a folder');
    const blocked = await runCli(['install', 'vscode', '--sandbox'], env);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(new RegExp(`^clerk-invitations-mcp: cannot write ${join(home, CONFIGS.vscode.file)} \\(ENOTDIR: .*\\); the file was left as it was\\.\n$`));
  });

  it('--dry-run prints the change as a unified diff and writes nothing (nor creates anything)', async () => {
    const { home, env } = freshHome();
    const original = '{\n  "mcpServers": {\n    "other": {"command": "x"}\n  }\n}\n';
    const file = place(home, CONFIGS.cursor.file, original);
    const run = await runCli(['install', 'cursor', '--publishable-key', KEY, '--dry-run'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      [`--- ${file}`, `+++ ${file}`, '@@ -1,5 +1,14 @@', ' {', '   "mcpServers": {', '-    "other": {"command": "…"}', '+    "other": {"command": "…"},', '+    "clerk-invitations": {', `+      "command": ${JSON.stringify(process.execPath)},`].join('\n'),
    );
    expect(run.stdout).toContain(`Dry run: this would add "clerk-invitations" in ${file}; nothing was written.`);
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(backupsOf(file)).toEqual([]);

    const absent = await runCli(['install', 'claude-desktop', '--sandbox', '--dry-run'], env);
    expect(absent.code).toBe(0);
    expect(absent.stdout).toContain(`--- /dev/null\n+++ ${join(home, CONFIGS['claude-desktop'].file)}\n@@ -0,0 +1,12 @@\n+{\n+  "mcpServers": {`);
    expect(existsSync(join(home, '.config'))).toBe(false);
  });

  it('uninstall removes only its entry, giving back the original bytes; a second uninstall has nothing to remove', async () => {
    const { home, env } = freshHome();
    const original = ODD('servers');
    const file = place(home, CONFIGS.vscode.file, original);
    expect((await runCli(['install', 'vscode', '--publishable-key', KEY], env)).code).toBe(0);

    const dry = await runCli(['uninstall', 'vscode', '--dry-run'], env);
    expect(dry.stdout).toMatch(/^-\t\t"clerk-invitations": \{\r?$/m);
    expect(dry.stdout).toContain('Dry run: this would remove "clerk-invitations"');

    const run = await runCli(['uninstall', 'vscode'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Removed "clerk-invitations" from VS Code's config ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(backupsOf(file)).toHaveLength(2);

    const again = await runCli(['uninstall', 'vscode'], env);
    expect(again.stdout).toBe(`${file} has no server "clerk-invitations": nothing to remove.\n`);
    expect(backupsOf(file)).toHaveLength(2);
  });

  it("keeps the file's mode (and the backup's), and writes through a symlink rather than replacing it", async () => {
    const { home, env } = freshHome();
    const target = place(home, 'dotfiles/cursor-mcp.json', '{"mcpServers": {"secret": {"command": "x", "env": {"TOKEN": "t"}}}}');
    chmodSync(target, 0o600);
    mkdirSync(join(home, '.cursor'));
    symlinkSync(target, join(home, CONFIGS.cursor.file));
    const run = await runCli(['install', 'cursor', '--sandbox'], env);
    expect(run.code).toBe(0);
    expect(lstatSync(join(home, CONFIGS.cursor.file)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).mcpServers).toHaveProperty('clerk-invitations');
    expect(statSync(target).mode & 0o777).toBe(0o600);
    const [backup] = backupsOf(target);
    expect(statSync(join(dirname(target), backup ?? '')).mode & 0o777).toBe(0o600);
  });

  it('fails closed, writing nothing: no instance names the fix, a malformed key, an unknown tool, an unknown client', async () => {
    const { home, env } = freshHome();
    const none = await runCli(['install', 'cursor'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('install needs your Clerk instance: pass --publishable-key pk_… (Clerk Dashboard, API keys page) or set CLERK_PUBLISHABLE_KEY');
    const malformed = await runCli(['install', 'cursor'], { ...env, CLERK_PUBLISHABLE_KEY: 'pk_live_your_publishable_key' });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('CLERK_PUBLISHABLE_KEY is not a valid Clerk publishable key');
    const tool = await runCli(['install', 'cursor', '--publishable-key', KEY, '--read-only', '--tools', 'revokePendingOrganizationInvitation'], env);
    expect(tool.code).toBe(2);
    expect(tool.stderr).toContain('--tools names revokePendingOrganizationInvitation, which changes something');
    const client = await runCli(['install', 'zed'], env);
    expect(client.code).toBe(2);
    expect(client.stderr).toContain("Unknown client 'zed': expected one of claude-desktop, claude-code, cursor, vscode");
    expect(readdirSync(home)).toEqual([]);
  });

  it('works from an installed copy with no node_modules (jsonc-parser and jsdiff are bundled), and points the entry at that copy', () => {
    const { home, env } = freshHome();
    const copy = mkdtempSync(join(tmpdir(), 'cim-installed-copy-'));
    cpSync(dirname(BIN), join(copy, 'dist'), { recursive: true });
    cpSync(join(dirname(BIN), '..', 'package.json'), join(copy, 'package.json'));
    const run = spawnSync(process.execPath, [join(copy, 'dist', 'index.js'), 'install', 'cursor', '--publishable-key', KEY], { env, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const entry = (JSON.parse(readFileSync(join(home, CONFIGS.cursor.file), 'utf8')) as { mcpServers: Record<string, { args: string[] }> }).mcpServers['clerk-invitations'];
    expect(entry?.args).toEqual([join(realpathSync(copy), 'dist', 'index.js')]);
  });

  it('the entry it writes starts the server: an MCP client launched from it sees the chosen tools', async () => {
    const { home, env } = freshHome();
    expect((await runCli(['install', 'claude-desktop', '--sandbox', '--read-only'], env)).code).toBe(0);
    const config = JSON.parse(readFileSync(join(home, CONFIGS['claude-desktop'].file), 'utf8')) as { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> };
    const entry = config.mcpServers['clerk-invitations'];
    if (!entry) throw new Error('no entry');
    // As a client launches it: the entry's command, args and env, from another working directory.
    const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: { ...env, ...entry.env }, cwd: home, stderr: 'pipe' });
    const client = new Client({ name: 'install-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['getAllPendingOrganizationInvitations', 'getOrganizationInvitations']);
    } finally {
      await client.close();
    }
  });
});

describe('Claude Code through `claude mcp` when claude is on PATH (a stand-in that records its arguments)', () => {
  /** A `claude` on a PATH of its own that appends its argv (as JSON) to a log, and fails when told to. */
  function fakeClaude(env: Record<string, string>): { env: Record<string, string>; calls: () => string[][] } {
    const dir = mkdtempSync(join(tmpdir(), 'cim-fake-claude-'));
    const log = join(dir, 'argv.log');
    writeFileSync(
      join(dir, 'claude'),
      `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\nif (process.env.FAKE_CLAUDE_FAIL) { process.stderr.write('MCP server clerk-invitations already exists in user config'); process.exit(1); }\n`,
      { mode: 0o755 },
    );
    return { env: { ...env, PATH: dir }, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]) : []) };
  }
  const ADD = ['mcp', 'add', '--scope', 'user', '--transport', 'stdio', 'clerk-invitations', '--env', `CLERK_PUBLISHABLE_KEY=${KEY}`, '--', process.execPath, REAL_BIN, '--read-only'];
  const REMOVE = ['mcp', 'remove', '--scope', 'user', 'clerk-invitations'];

  it('runs `claude mcp add --scope user` with the same command, args and env, and leaves the file to claude', async () => {
    const { home, env } = freshHome();
    const claude = fakeClaude(env);
    const run = await runCli(['install', 'claude-code', '--publishable-key', KEY, '--read-only'], claude.env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(claude.calls()).toEqual([ADD]);
    expect(run.stdout).toContain(`Added "clerk-invitations" in Claude Code's user scope with \`claude mcp\`.`);
    expect(run.stdout).toContain('Next: start a new Claude Code session');
    expect(readdirSync(home)).toEqual([]);
  });

  it('changes nothing when ~/.claude.json already has that entry; replaces (remove, add-json) one that differs, saving the file first', async () => {
    const { home, env } = freshHome();
    const claude = fakeClaude(env);
    const same = { type: 'stdio', command: process.execPath, args: [REAL_BIN, '--read-only'], env: { CLERK_PUBLISHABLE_KEY: KEY } };
    place(home, '.claude.json', JSON.stringify({ numStartups: 3, mcpServers: { 'clerk-invitations': same } }));
    const unchanged = await runCli(['install', 'claude-code', '--publishable-key', KEY, '--read-only'], claude.env);
    expect(unchanged.code).toBe(0);
    expect(unchanged.stdout).toContain('already has "clerk-invitations" as it would be added: nothing changed.');
    expect(claude.calls()).toEqual([]);

    const outdated = JSON.stringify({ mcpServers: { 'clerk-invitations': { ...same, args: [REAL_BIN] } } });
    const file = place(home, '.claude.json', outdated);
    const updated = await runCli(['install', 'claude-code', '--publishable-key', KEY, '--read-only'], claude.env);
    expect(updated.code).toBe(0);
    expect(claude.calls()).toEqual([REMOVE, ['mcp', 'add-json', '--scope', 'user', 'clerk-invitations', JSON.stringify(same)]]);
    expect(updated.stdout).toContain('Updated "clerk-invitations"');
    const [backup] = backupsOf(file);
    expect(readFileSync(join(home, backup ?? ''), 'utf8')).toBe(outdated);
  });

  it('--dry-run shows the claude commands and runs none; uninstall runs `claude mcp remove` only when the entry exists', async () => {
    const { home, env } = freshHome();
    const claude = fakeClaude(env);
    const dry = await runCli(['install', 'claude-code', '--publishable-key', KEY, '--read-only', '--dry-run'], claude.env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Dry run: would run\n  ${join(claude.env.PATH ?? '', 'claude')} mcp add --scope user --transport stdio clerk-invitations --env CLERK_PUBLISHABLE_KEY=${KEY} -- `);
    expect(dry.stdout).toContain('nothing was run.');
    expect(claude.calls()).toEqual([]);

    expect((await runCli(['uninstall', 'claude-code'], claude.env)).stdout).toContain('has no user-scope server "clerk-invitations": nothing to remove.');
    expect(claude.calls()).toEqual([]);
    place(home, '.claude.json', JSON.stringify({ mcpServers: { 'clerk-invitations': { command: 'x' }, other: { command: 'y' } } }));
    const removed = await runCli(['uninstall', 'claude-code'], claude.env);
    expect(removed.code).toBe(0);
    expect(claude.calls()).toEqual([REMOVE]);
    expect(removed.stdout).toContain(`Removed "clerk-invitations" from Claude Code's user scope`);
  });

  it('reports a failing claude with its own words and exit 1', async () => {
    const { env } = freshHome();
    const claude = fakeClaude(env);
    const run = await runCli(['install', 'claude-code', '--publishable-key', KEY, '--read-only'], { ...claude.env, FAKE_CLAUDE_FAIL: '1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('mcp add --scope user --transport stdio clerk-invitations');
    expect(run.stderr).toContain('failed (exit 1): MCP server clerk-invitations already exists in user config');
  });
});

describe('Claude Code on Windows, called directly (dry runs: the Windows paths are not this machine\'s)', () => {
  const request = (executables: readonly string[]) => ({
    action: 'install' as const,
    client: 'claude-code' as const,
    name: 'clerk-invitations',
    dryRun: true,
    sandbox: true,
    readOnly: false,
    tools: undefined,
    machine: { platform: 'win32' as const, home: 'C:\\Users\\Ann', env: { Path: 'C:\\npm;C:\\bin', PATHEXT: '.EXE;.CMD' } },
    node: 'C:\\Program Files\\nodejs\\node.exe',
    bin: 'C:\\cim\\dist\\index.js',
    isExecutable: (path: string) => executables.includes(path),
  });

  it('runs claude.exe, quoting the Windows paths it shows', async () => {
    const lines: string[] = [];
    await runInstall(request(['C:\\bin\\claude.exe']), (line) => lines.push(line));
    expect(lines).toContain(`  'C:\\bin\\claude.exe' mcp add --scope user --transport stdio clerk-invitations -- 'C:\\Program Files\\nodejs\\node.exe' 'C:\\cim\\dist\\index.js' --sandbox`);
  });

  it("edits %USERPROFILE%\\.claude.json instead of running an npm shim (claude.cmd), which needs cmd.exe", async () => {
    const lines: string[] = [];
    await runInstall(request(['C:\\npm\\claude.cmd']), (line) => lines.push(line));
    expect(lines[0]).toBe("Found C:\\npm\\claude.cmd, a script that needs cmd.exe: editing Claude Code's config file instead of running it.");
    // jsdiff quotes a name with backslashes in the header, as GNU diff and git do.
    expect(lines[1]).toContain('--- /dev/null\n+++ "C:\\\\Users\\\\Ann\\\\.claude.json"\n');
    expect(lines[1]).toContain('+      "type": "stdio",\n+      "command": "C:\\\\Program Files\\\\nodejs\\\\node.exe",');
  });
});

describe('install on macOS paths, called directly (platform and home injected)', () => {
  it("writes Claude Desktop's config under ~/Library/Application Support, naming the backup by the time", async () => {
    const home = mkdtempSync(join(tmpdir(), 'cim-install-mac-'));
    const lines: string[] = [];
    const request = {
      action: 'install' as const,
      client: 'claude-desktop' as const,
      name: 'clerk-invitations',
      dryRun: false,
      sandbox: false,
      readOnly: false,
      tools: undefined,
      machine: { platform: 'darwin' as const, home, env: { CLERK_PUBLISHABLE_KEY: KEY, XDG_CONFIG_HOME: join(home, 'xdg') } },
      node: '/usr/local/bin/node',
      bin: '/usr/local/lib/node_modules/clerk-invitations-mcp/dist/index.js',
      now: () => new Date('2026-01-02T03:04:05.006Z'),
    };
    await runInstall(request, (line) => lines.push(line));
    const file = join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ mcpServers: { 'clerk-invitations': { command: '/usr/local/bin/node', args: [request.bin], env: { CLERK_PUBLISHABLE_KEY: KEY } } } });
    await runInstall({ ...request, readOnly: true }, (line) => lines.push(line));
    expect(readFileSync(`${file}.2026-01-02T03-04-05-006Z.bak`, 'utf8')).toContain(`"args": [\n        ${JSON.stringify(request.bin)}\n      ]`);
    await runInstall({ ...request, sandbox: true, readOnly: true }, (line) => lines.push(line));
    expect(existsSync(`${file}.2026-01-02T03-04-05-006Z-1.bak`)).toBe(true);
    expect(existsSync(join(home, 'xdg'))).toBe(false);
  });

  it('warns when the bin runs from npx\'s cache, which npm may clear', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cim-install-npx-'));
    const lines: string[] = [];
    const bin = '/home/ann/.npm/_npx/1a2b/node_modules/clerk-invitations-mcp/dist/index.js';
    await runInstall({ action: 'install', client: 'cursor', name: 'clerk-invitations', dryRun: false, sandbox: true, readOnly: false, tools: undefined, machine: { platform: 'linux', home, env: {} }, node: '/usr/bin/node', bin }, (line) => lines.push(line));
    expect(lines.join('\n')).toContain(`Note: this copy runs from npx's cache (${bin}), which npm may clear. For a lasting install: npm install -g clerk-invitations-mcp, then run install again.`);
  });
});

describe('install and uninstall on the command line', () => {
  const usage = (argv: string[]): string => {
    try {
      parseCli(argv, {});
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('takes a client, the switches to pass on, --name and --dry-run; not the server\'s own reading of the environment', () => {
    const cli = parseCli(['install', 'vscode', '--read-only', '--tools', 'a,b', '--tools', 'c', '--sandbox', '--name', 'clerk-dev', '--dry-run'], { CLERK_READ_ONLY: '0' });
    expect(cli.install).toEqual({ client: 'vscode', name: 'clerk-dev', dryRun: true, sandbox: true, readOnly: true, tools: ['a', 'b', 'c'] });
    expect(cli).toMatchObject({ command: 'install', sandbox: false, readOnly: false, tools: undefined });
    expect(parseCli(['install', 'cursor'], { CLERK_READ_ONLY: '1', CLERK_TOOLS: 'x' }).install).toEqual({ client: 'cursor', name: undefined, dryRun: false, sandbox: false, readOnly: false, tools: undefined });
    expect(parseCli(['uninstall', 'claude-code', '--dry-run'], {}).install).toMatchObject({ client: 'claude-code', dryRun: true });
  });

  it('refuses a missing or unknown client, a stray argument, switches on uninstall, and install flags elsewhere', () => {
    expect(usage(['install'])).toBe('install needs a client: one of claude-desktop, claude-code, cursor, vscode. See --help.');
    expect(usage(['uninstall', 'emacs'])).toContain("Unknown client 'emacs'");
    expect(usage(['install', 'cursor', 'extra'])).toBe("Unexpected argument 'extra'. See --help.");
    expect(usage(['uninstall', 'cursor', '--read-only'])).toBe('--read-only goes with install, not uninstall. See --help.');
    expect(usage(['install', 'cursor', '--name', 'a b'])).toBe("--name may hold only letters, digits, '-' and '_', not 'a b'.");
    expect(usage(['login', '--dry-run'])).toBe('--dry-run goes with install and uninstall. See --help.');
    expect(usage(['--name', 'x'])).toBe('--name goes with install and uninstall. See --help.');
    expect(usage(['whoami', 'cursor'])).toBe("Unexpected argument 'cursor'. See --help.");
  });
});
