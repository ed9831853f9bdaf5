import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The extension installs no `clerk-invitations-mcp` command: its texts must not send users to one.

describe('the extension manifest\'s words on signing in', () => {
  const manifest = JSON.parse(readFileSync('mcpb/manifest.json', 'utf8')) as { description: string; long_description: string };
  it('names no bare `clerk-invitations-mcp login`, and says the in-client page and the error\'s command are the ways', () => {
    const text = `${manifest.description}\n${manifest.long_description}`;
    expect(text).not.toMatch(/(^|[\s`(])clerk-invitations-mcp login/);
    expect(text).toContain('sign-in page in your browser');
    expect(text).toContain("the tool's error gives the exact command");
  });
});
