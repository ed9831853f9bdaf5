import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BIN, baseEnv } from './cli.js';

export { BIN, baseEnv };

export interface Message {
  readonly jsonrpc: string;
  readonly id?: string | number;
  readonly result?: { isError?: boolean; content?: { text: string }[]; structuredContent?: unknown };
  readonly error?: { code: number; message: string };
}

/** The built server spoken to line by line, without an SDK client in between. */
export interface RawServer {
  readonly child: ChildProcessWithoutNullStreams;
  /** Writes one line (an object is JSON-encoded). */
  send(message: object | string): void;
  /** Every stdout line so far, parsed: a line that is not JSON throws. */
  messages(): Message[];
  /** The answer to request `id`, once it arrives. */
  answer(id: string | number, timeout?: number): Promise<Message>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal) when the process ends. */
  readonly exited: Promise<number | string | null>;
}

export function startRawServer(env: Record<string, string>, args: readonly string[] = []): RawServer {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...baseEnv, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  // The server may be gone before a late write: that is for the test to notice, not a crash.
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const messages = (): Message[] => out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Message);
  return {
    child,
    send: (message) => void child.stdin.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`),
    messages,
    answer: async (id, timeout = 10_000) => {
      const started = Date.now();
      for (;;) {
        const found = messages().find((m) => m.id === id && !('method' in m));
        if (found) return found;
        if (Date.now() - started > timeout) throw new Error(`no answer to request ${id} within ${timeout} ms; stderr: ${err}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stdout: () => out,
    stderr: () => err,
    exited,
  };
}

/** initialize + initialized, as every client starts. */
export async function initialize(server: RawServer): Promise<void> {
  server.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  await server.answer('init');
  server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
}

export const callTool = (id: string | number, name: string, args: Record<string, unknown>): object => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
