import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { baseEnv, runCli } from './helpers/cli.js';

let occupier: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (occupier ? occupier.close(() => resolve()) : resolve()));
  occupier = undefined;
});

describe('the sandbox command', () => {
  it('on a busy port, says so in one line naming --port and exits 1, without a stack trace', async () => {
    // The port is taken on the very interface the sandbox binds to.
    occupier = createServer();
    const taken = await new Promise<number>((resolve) => occupier?.listen(0, '127.0.0.1', () => resolve((occupier?.address() as { port: number }).port)));
    const result = await runCli(['sandbox', '--port', String(taken)], baseEnv);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`clerk-invitations-mcp: port ${taken} is in use: choose another with --port <n>, or --port 0 for any free port.\n`);
  });
});
