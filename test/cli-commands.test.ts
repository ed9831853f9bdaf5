import { describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli/arguments.js';
import { HELP } from '../src/cli/help.js';

describe('the command line', () => {
  it('runs the server without a command, and knows serve, login, whoami, logout and sandbox', () => {
    expect(parseCli([], {}).command).toBe('serve');
    expect(parseCli(['serve'], {}).command).toBe('serve');
    expect(parseCli(['serve', '--http', '--port', '8080', '--host', '0.0.0.0', '--allowed-hosts', 'a.example,b.example'], {})).toMatchObject({ http: true, port: 8080, host: '0.0.0.0', allowedHosts: ['a.example', 'b.example'] });
    expect(parseCli(['serve', '--http'], { CLERK_MCP_ALLOWED_HOSTS: 'c.example' }).allowedHosts).toEqual(['c.example']);
    for (const command of ['login', 'whoami', 'logout', 'sandbox'] as const) expect(parseCli([command], {}).command).toBe(command);
  });

  it('refuses an unknown command, a second argument, and flags given to the wrong command', () => {
    expect(() => parseCli(['signin'], {})).toThrow("Unknown command 'signin': expected one of serve, login, whoami, logout, sandbox, install, uninstall, validate. See --help.");
    expect(() => parseCli(['login', 'now'], {})).toThrow("Unexpected argument 'now'.");
    expect(() => parseCli(['whoami', '--ticket', 't'], {})).toThrow('--ticket goes with the login command.');
    expect(() => parseCli(['--port', '1'], {})).toThrow('--port goes with the sandbox command or the server over HTTP (--http).');
    expect(() => parseCli(['serve', '--host', '0.0.0.0'], {})).toThrow('--host goes with the server over HTTP (--http).');
    expect(() => parseCli(['--allowed-hosts', 'a.example'], {})).toThrow('--allowed-hosts goes with the server over HTTP (--http).');
    expect(() => parseCli(['login', '--http'], {})).toThrow('--http goes with the server (no command).');
    expect(() => parseCli(['login', '--read-only'], {})).toThrow('--read-only goes with the server (no command).');
    expect(() => parseCli(['login', '--sandbox'], {})).toThrow(/run `.+ sandbox` in another terminal/);
    expect(() => parseCli(['login', '--ticket', '  '], {})).toThrow('--ticket needs a value.');
    expect(() => parseCli(['sandbox', '--port', '70000'], {})).toThrow("--port must be a port number (0 to 65535), not '70000'.");
    expect(() => parseCli(['sandbox', '--port', ''], {})).toThrow("--port must be a port number (0 to 65535), not ''.");
    expect(() => parseCli(['sandbox', '--port', '0x10'], {})).toThrow('--port must be a port number');
  });

  it('reads the server\'s switches only for the server: a bad one does not stop login; an empty CLERK_TOOLS is unset', () => {
    expect(() => parseCli(['login'], { CLERK_READ_ONLY: 'ture', CLERK_CONFIRM: 'maybe' })).not.toThrow();
    expect(() => parseCli([], { CLERK_READ_ONLY: 'ture' })).toThrow('CLERK_READ_ONLY must be 1 or 0');
    expect(parseCli([], { CLERK_TOOLS: '' }).tools).toBeUndefined();
  });

  it('CLERK_SANDBOX starts the server in sandbox mode but leaves the terminal commands alone', () => {
    expect(parseCli([], { CLERK_SANDBOX: '1' }).sandbox).toBe(true);
    expect(parseCli(['whoami'], { CLERK_SANDBOX: '1' }).sandbox).toBe(false);
  });

  it('lets --publishable-key and --frontend-api-url stand for their variables', () => {
    const cli = parseCli(['login', '--frontend-api-url', 'http://127.0.0.1:4599', '--publishable-key', 'pk_test_x', '--ticket', 'tk', '--identifier', 'ann@example.com'], {
      CLERK_FRONTEND_API_URL: 'https://from-env.example.com',
      OTHER: 'kept',
    });
    expect(cli.env).toMatchObject({ CLERK_FRONTEND_API_URL: 'http://127.0.0.1:4599', CLERK_PUBLISHABLE_KEY: 'pk_test_x', OTHER: 'kept' });
    expect(cli).toMatchObject({ ticket: 'tk', identifier: 'ann@example.com' });
  });

  it('documents the commands, the sandbox users and the credentials file in --help', () => {
    for (const text of ['login [--identifier <email>]', 'login --ticket <sign-in token>', 'whoami', 'logout', 'sandbox [--port <n>]', 'CLERK_SIGN_IN_TICKET', 'XDG_CONFIG_HOME', 'admin@sandbox.test', 'mfa@sandbox.test', 'sandbox-password', '424242', 'sandbox-backup-code']) {
      expect(HELP).toContain(text);
    }
  });
});
