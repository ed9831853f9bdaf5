import { describe, expect, it } from 'vitest';
import { claudeAddArgs, claudeRemoveArgs, findOnPath } from '../src/cli/install/claude-cli.js';
import { clientConfig, CLIENTS, type ClientId } from '../src/cli/install/clients.js';
import { serverEntry } from '../src/cli/install/entry.js';

const KEY = 'pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk'; // example.accounts.dev

const path = (client: ClientId, platform: NodeJS.Platform, home: string, env: Record<string, string> = {}): string => clientConfig(client, { platform, home, env }).file;

describe("each client's user config file, per OS, as its vendor documents it", () => {
  it('on Linux: ~/.config (or $XDG_CONFIG_HOME) for Claude Desktop and VS Code, dotfiles in home for Claude Code and Cursor', () => {
    expect(path('claude-desktop', 'linux', '/home/ann')).toBe('/home/ann/.config/Claude/claude_desktop_config.json');
    expect(path('claude-desktop', 'linux', '/home/ann', { XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/Claude/claude_desktop_config.json');
    expect(path('vscode', 'linux', '/home/ann')).toBe('/home/ann/.config/Code/User/mcp.json');
    expect(path('vscode', 'linux', '/home/ann', { XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/Code/User/mcp.json');
    expect(path('cursor', 'linux', '/home/ann')).toBe('/home/ann/.cursor/mcp.json');
    expect(path('claude-code', 'linux', '/home/ann')).toBe('/home/ann/.claude.json');
  });

  it('on macOS: ~/Library/Application Support for Claude Desktop and VS Code (XDG_CONFIG_HOME is not theirs there)', () => {
    const env = { XDG_CONFIG_HOME: '/xdg' };
    expect(path('claude-desktop', 'darwin', '/Users/ann', env)).toBe('/Users/ann/Library/Application Support/Claude/claude_desktop_config.json');
    expect(path('vscode', 'darwin', '/Users/ann', env)).toBe('/Users/ann/Library/Application Support/Code/User/mcp.json');
    expect(path('cursor', 'darwin', '/Users/ann', env)).toBe('/Users/ann/.cursor/mcp.json');
    expect(path('claude-code', 'darwin', '/Users/ann', env)).toBe('/Users/ann/.claude.json');
  });

  it('on Windows: %APPDATA% (or the roaming folder under the profile) for Claude Desktop and VS Code, the profile for the others', () => {
    const appData = { APPDATA: 'D:\\Roaming' };
    expect(path('claude-desktop', 'win32', 'C:\\Users\\Ann', appData)).toBe('D:\\Roaming\\Claude\\claude_desktop_config.json');
    expect(path('claude-desktop', 'win32', 'C:\\Users\\Ann')).toBe('C:\\Users\\Ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json');
    expect(path('vscode', 'win32', 'C:\\Users\\Ann', appData)).toBe('D:\\Roaming\\Code\\User\\mcp.json');
    expect(path('cursor', 'win32', 'C:\\Users\\Ann', appData)).toBe('C:\\Users\\Ann\\.cursor\\mcp.json');
    expect(path('claude-code', 'win32', 'C:\\Users\\Ann', appData)).toBe('C:\\Users\\Ann\\.claude.json');
  });

  it("follows each client's own override: VSCODE_APPDATA for VS Code, CLAUDE_CONFIG_DIR for Claude Code", () => {
    expect(path('vscode', 'linux', '/home/ann', { VSCODE_APPDATA: '/portable' })).toBe('/portable/Code/User/mcp.json');
    expect(path('vscode', 'win32', 'C:\\Users\\Ann', { VSCODE_APPDATA: 'E:\\vs' })).toBe('E:\\vs\\Code\\User\\mcp.json');
    expect(path('claude-code', 'linux', '/home/ann', { CLAUDE_CONFIG_DIR: '/cc' })).toBe('/cc/.claude.json');
  });

  it('writes servers under mcpServers, except VS Code (servers, JSONC); Claude Code and VS Code entries say type stdio', () => {
    const shapes = Object.fromEntries(CLIENTS.map((c) => [c, clientConfig(c, { platform: 'linux', home: '/h', env: {} })]));
    expect(shapes['claude-desktop']).toMatchObject({ serversKey: 'mcpServers', extraFields: {}, jsonc: false });
    expect(shapes.cursor).toMatchObject({ serversKey: 'mcpServers', extraFields: {}, jsonc: false });
    expect(shapes['claude-code']).toMatchObject({ serversKey: 'mcpServers', extraFields: { type: 'stdio' }, jsonc: false });
    expect(shapes.vscode).toMatchObject({ serversKey: 'servers', extraFields: { type: 'stdio' }, jsonc: true });
  });
});

describe('the entry', () => {
  const base = { node: '/usr/bin/node', bin: '/opt/cim/dist/index.js', sandbox: false, readOnly: false, tools: undefined };

  it('runs this Node on this bin, with the publishable key and the chosen switches', () => {
    const { entry, frontendApi } = serverEntry({ ...base, env: { CLERK_PUBLISHABLE_KEY: ` ${KEY} `, HOME: '/h', CLERK_CLIENT_TOKEN: 'secret' }, readOnly: true, tools: ['a', 'b'] });
    expect(entry).toEqual({ command: '/usr/bin/node', args: ['/opt/cim/dist/index.js', '--read-only', '--tools', 'a,b'], env: { CLERK_PUBLISHABLE_KEY: KEY } });
    expect(frontendApi).toBe('https://example.accounts.dev');
  });

  it('carries a Frontend API URL; with --sandbox needs no instance and carries none', () => {
    expect(serverEntry({ ...base, env: { CLERK_FRONTEND_API_URL: 'https://clerk.example.com' } }).entry.env).toEqual({ CLERK_FRONTEND_API_URL: 'https://clerk.example.com' });
    expect(serverEntry({ ...base, sandbox: true, env: { CLERK_PUBLISHABLE_KEY: KEY } }).entry).toEqual({ command: '/usr/bin/node', args: ['/opt/cim/dist/index.js', '--sandbox'], env: {} });
  });

  it('refuses a malformed key with the publishable-key check, and no instance at all naming the fix', () => {
    expect(() => serverEntry({ ...base, env: { CLERK_PUBLISHABLE_KEY: 'pk_live_your_key_here' } })).toThrow(/CLERK_PUBLISHABLE_KEY is not a valid Clerk publishable key.*placeholder/);
    expect(() => serverEntry({ ...base, env: { CLERK_FRONTEND_API_URL: 'http://clerk.example.com' } })).toThrow(/must use https/);
    expect(() => serverEntry({ ...base, env: {} })).toThrow(/install needs your Clerk instance: pass --publishable-key/);
  });
});

describe('finding and calling claude', () => {
  it('finds claude on PATH as a shell would: the first directory that has it, PATHEXT extensions on Windows', () => {
    const executables = new Set(['/b/claude', '/c/claude', 'C:\\tools\\claude.exe']);
    const isExecutable = (p: string): boolean => executables.has(p);
    expect(findOnPath('claude', { PATH: '/a:/b:/c' }, 'linux', isExecutable)).toBe('/b/claude');
    expect(findOnPath('claude', { PATH: '/a' }, 'linux', isExecutable)).toBeUndefined();
    expect(findOnPath('claude', { Path: 'C:\\x;C:\\tools', PATHEXT: '.COM;.EXE' }, 'win32', isExecutable)).toBe('C:\\tools\\claude.exe');
  });

  it('adds at user scope with the name before --env (claude takes several values after --env), the server after --', () => {
    const entry = { command: '/usr/bin/node', args: ['/opt/cim/dist/index.js', '--read-only'], env: { CLERK_PUBLISHABLE_KEY: KEY } };
    expect(claudeAddArgs('clerk-invitations', entry)).toEqual(['mcp', 'add', '--scope', 'user', '--transport', 'stdio', 'clerk-invitations', '--env', `CLERK_PUBLISHABLE_KEY=${KEY}`, '--', '/usr/bin/node', '/opt/cim/dist/index.js', '--read-only']);
    expect(claudeRemoveArgs('x')).toEqual(['mcp', 'remove', '--scope', 'user', 'x']);
  });
});
