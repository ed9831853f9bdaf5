import { describe, expect, it } from 'vitest';
import { currentEntry, editServers, UnusableConfigError } from '../src/cli/install/config-text.js';

const STRICT = { serversKey: 'mcpServers', jsonc: false };
const VSCODE = { serversKey: 'servers', jsonc: true };
const ENTRY = { command: '/usr/bin/node', args: ['/opt/cim/dist/index.js'], env: { CLERK_PUBLISHABLE_KEY: 'pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk' } };
const set = (text: string, shape = STRICT): string => editServers('/cfg.json', text, shape, 'clerk-invitations', ENTRY);
const remove = (text: string, shape = STRICT): string => editServers('/cfg.json', text, shape, 'clerk-invitations', undefined);

describe('adding the entry keeps the rest of the file as it was written', () => {
  it('keeps other servers, other keys and their order, a neighbour on one line, tabs and CRLF, and no final newline', () => {
    const before = '{\r\n\t"preferences": {"b": 1, "a": 2},\r\n\t"mcpServers": {\r\n\t\t"other": {"command": "x"}\r\n\t}\r\n}';
    const after = set(before);
    expect(after).toBe(
      '{\r\n\t"preferences": {"b": 1, "a": 2},\r\n\t"mcpServers": {\r\n\t\t"other": {"command": "x"},\r\n' +
        '\t\t"clerk-invitations": {\r\n\t\t\t"command": "/usr/bin/node",\r\n\t\t\t"args": [\r\n\t\t\t\t"/opt/cim/dist/index.js"\r\n\t\t\t],\r\n' +
        '\t\t\t"env": {\r\n\t\t\t\t"CLERK_PUBLISHABLE_KEY": "pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk"\r\n\t\t\t}\r\n\t\t}\r\n\t}\r\n}',
    );
    expect(JSON.parse(after)).toEqual({ preferences: { b: 1, a: 2 }, mcpServers: { other: { command: 'x' }, 'clerk-invitations': ENTRY } });
  });

  it('indents like the file (four spaces), keeps its final newline, and adds mcpServers when there is none', () => {
    const before = '{\n    "theme": "dark"\n}\n';
    const after = set(before);
    expect(after.startsWith('{\n    "theme": "dark",\n    "mcpServers": {\n        "clerk-invitations": {\n            "command"')).toBe(true);
    expect(after.endsWith('}\n')).toBe(true);
    expect(JSON.parse(after)).toEqual({ theme: 'dark', mcpServers: { 'clerk-invitations': ENTRY } });
  });

  it('writes a new file (or an empty one) as two-space JSON with a final newline, keeping a byte-order mark', () => {
    expect(set('')).toBe(`${JSON.stringify({ mcpServers: { 'clerk-invitations': ENTRY } }, null, 2)}\n`);
    expect(set('\uFEFF')).toBe(`\uFEFF${JSON.stringify({ mcpServers: { 'clerk-invitations': ENTRY } }, null, 2)}\n`);
    const withMark = set('\uFEFF{"mcpServers": {}}');
    expect(withMark.startsWith('\uFEFF{')).toBe(true);
    expect(JSON.parse(withMark.slice(1))).toEqual({ mcpServers: { 'clerk-invitations': ENTRY } });
  });

  it("replaces an outdated entry of ours in place, and gives back the very same text when it is already so", () => {
    const before = '{"mcpServers": {"a": {"command": "a"}, "clerk-invitations": {"command": "old"}, "z": {"command": "z"}}}';
    const after = set(before);
    expect(Object.keys(JSON.parse(after).mcpServers)).toEqual(['a', 'clerk-invitations', 'z']);
    expect(JSON.parse(after).mcpServers['clerk-invitations']).toEqual(ENTRY);
    expect(after.startsWith('{"mcpServers": {"a": {"command": "a"}, "clerk-invitations": ')).toBe(true);
    expect(set(after)).toBe(after);
  });

  it("keeps VS Code's comments and trailing commas (its mcp.json is JSONC), under servers", () => {
    const before = '{\n  // my servers\n  "servers": {\n    "other": { "type": "stdio", "command": "x" }, // keep me\n  },\n  "inputs": [],\n}\n';
    const after = set(before, VSCODE);
    expect(after).toContain('// my servers');
    expect(after).toContain('// keep me');
    expect(after).toContain('"inputs": [],\n}\n');
    expect(currentEntry('/cfg.json', after, VSCODE, 'clerk-invitations')).toEqual(ENTRY);
  });
});

describe('removing the entry', () => {
  it('gives back the original bytes after an add, other servers untouched', () => {
    for (const before of ['{\r\n\t"mcpServers": {\r\n\t\t"other": {"command": "x"}\r\n\t}\r\n}', '{\n  "mcpServers": {\n    "a": {"command": "a"},\n    "b": {"command": "b"}\n  }\n}\n']) {
      expect(remove(set(before))).toBe(before);
    }
  });

  it('leaves a file without the entry, or with no servers at all, exactly as it is', () => {
    expect(remove('{"mcpServers": {"other": {}}}')).toBe('{"mcpServers": {"other": {}}}');
    expect(remove('{"x": 1}\n')).toBe('{"x": 1}\n');
    expect(remove('')).toBe('');
  });
});

describe('a file it cannot read as its client does is refused, naming the file and the place', () => {
  const refusal = (text: string, shape = STRICT): string => {
    try {
      set(text, shape);
    } catch (error) {
      expect(error).toBeInstanceOf(UnusableConfigError);
      return (error as Error).message;
    }
    throw new Error('not refused');
  };

  it('broken JSON: file:line:column and the parser\'s reason, and that nothing was changed', () => {
    expect(refusal('{\n  "mcpServers": {\n    "a": {"command": "a"}\n    "b": {}\n  }\n}')).toBe(
      '/cfg.json:4:5: not valid JSON (CommaExpected); nothing was changed. Fix the file (or move it aside) and run again.',
    );
    expect(refusal('{"mcpServers": {}')).toMatch(/^\/cfg\.json:1:18: not valid JSON \(CloseBraceExpected\)/);
  });

  it('comments and trailing commas in a client that reads strict JSON', () => {
    expect(refusal('{\n  // note\n  "mcpServers": {}\n}')).toMatch(/^\/cfg\.json:2:3: not valid JSON \(InvalidCommentToken\)/);
    expect(refusal('{"mcpServers": {},}')).toMatch(/^\/cfg\.json:1:19: not valid JSON \(PropertyNameExpected\)/);
  });

  it('a top level that is not an object, and servers that are not an object', () => {
    expect(refusal('[]')).toMatch(/^\/cfg\.json: holds an array, not a JSON object/);
    expect(refusal('{\n  "mcpServers": []\n}')).toMatch(/^\/cfg\.json:2:17: "mcpServers" is an array, not an object of servers; nothing was changed/);
    expect(refusal('{"servers": "x"}', VSCODE)).toMatch(/"servers" is a string, not an object of servers/);
  });
});
