// A bare JSON-RPC client over a child's stdio: one JSON message a line, answers matched by id,
// no validation of what comes back. Used for both the server and the bare baseline.
import { spawn } from 'node:child_process';

export const INITIALIZE = {
  protocolVersion: '2025-06-18',
  capabilities: {},
  clientInfo: { name: 'clerk-invitations-bench', version: '1.0.0' },
};

export class Rpc {
  #nextId = 0;
  #pending = new Map();
  #stderr = '';
  #buffer = '';

  /** Spawns `node ...args`; `startedAt` is taken just before the spawn. */
  constructor(args, env) {
    this.startedAt = performance.now();
    this.child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => this.#read(chunk));
    this.child.stderr.on('data', (chunk) => (this.#stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.exited.then((code) => {
      const error = new Error(`${args.join(' ')} exited (${code}) before answering: ${this.#stderr.trim()}`);
      for (const { reject } of this.#pending.values()) reject(error);
      this.#pending.clear();
    });
  }

  /** Sends a request; resolves with the answer's message. */
  request(method, params) {
    return this.send([{ method, params }])[0];
  }

  /** Writes several requests in one write (a burst); resolves each with its answer. */
  send(requests) {
    const lines = [];
    const answers = requests.map(({ method, params }) => {
      const id = this.#nextId++;
      lines.push(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }));
      return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    });
    this.child.stdin.write(`${lines.join('\n')}\n`);
    return answers;
  }

  notify(method) {
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method })}\n`);
  }

  /** `initialize`, then `notifications/initialized`, as a client starts a session. */
  async initialize() {
    const answer = await this.request('initialize', INITIALIZE);
    this.notify('notifications/initialized');
    return answer;
  }

  /** Peak resident set size of the child, in bytes (Linux). */
  async peakRss() {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    if (!kb) throw new Error('VmHWM not found in /proc/<pid>/status');
    return Number(kb) * 1024;
  }

  /** Ends stdin (a server exits on it) and waits for the exit. */
  async close() {
    this.child.stdin.end();
    return this.exited;
  }

  #read(chunk) {
    this.#buffer += chunk;
    let newline;
    while ((newline = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, newline);
      this.#buffer = this.#buffer.slice(newline + 1);
      if (!line.trim()) continue;
      const message = JSON.parse(line);
      const waiter = this.#pending.get(message.id);
      if (!waiter) continue;
      this.#pending.delete(message.id);
      waiter.resolve(message);
    }
  }
}
