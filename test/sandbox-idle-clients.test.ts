import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/simulator.js';

// Found in review: every request with an unknown token registered a new client for good, so a
// stream of them grew the sandbox without bound.

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** `GET /v1/client` with `token`: the id of the client that answered, and the token it sends back. */
function getClient(url: string, token: string): Promise<{ id: string; token: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/client?_is_native=1`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        const { response } = JSON.parse(body) as { response: { id: string } };
        resolve({ id: response.id, token: (res.headers.authorization ?? '').replace(/^Bearer /, '') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the sandbox under a stream of unknown client tokens', () => {
  it('keeps at most 1000 idle clients: the oldest is forgotten, and its token then gets a new client', async () => {
    sandbox = await startSandbox();
    const signedIn = await getClient(sandbox.url, sandbox.clientToken);
    const first = await getClient(sandbox.url, 'unknown_token_0');
    // Known while few idle clients exist: the same client answers its own token.
    expect((await getClient(sandbox.url, first.token)).id).toBe(first.id);
    for (let i = 1; i <= 1000; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => getClient(sandbox!.url, `unknown_token_${i + k}`)));
    }
    expect((await getClient(sandbox.url, first.token)).id).not.toBe(first.id);
    // The signed-in client is never idle, so never forgotten.
    expect((await getClient(sandbox.url, sandbox.clientToken)).id).toBe(signedIn.id);
  });
});
