// The startup baseline: a bare Node process that answers `initialize` and `tools/list` over
// stdio with canned JSON (the real server's own answers, recorded by the bench), and nothing else.
import { readFileSync } from 'node:fs';

const canned = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf('\n')) >= 0) {
    const message = JSON.parse(buffer.slice(0, newline));
    buffer = buffer.slice(newline + 1);
    const result = canned[message.method];
    if (result !== undefined && message.id !== undefined) process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: message.id, result })}\n`);
  }
});
