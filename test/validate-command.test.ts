import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, baseEnv, runCli } from './helpers/cli.js';
import { TUTORIAL_DIR, TUTORIAL_FILE } from './helpers/ikanos-tutorial.js';
import { SEED } from './helpers/seed.js';

// `validate FILE` through the built bin: the listing on stdout and exit 0, or every problem on
// stderr and exit 1; plain text (CI logs), nothing needed from the environment.

// An escape character starts every ANSI sequence.
const ANSI = String.fromCharCode(27);
const TUTORIAL = join(TUTORIAL_DIR, TUTORIAL_FILE);

describe('validate', () => {
  it('lists the tools the Ikanos tutorial would serve: name, title, hints, arguments, and the binds it needs', async () => {
    const run = await runCli(['validate', TUTORIAL], baseEnv);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain(ANSI);
    expect(run.stdout).toContain(`${TUTORIAL}: valid, 4 tools, served as plain HTTP with JSON bodies.`);
    expect(run.stdout).toContain(
      [
        'create-voyage  "Plan a new voyage with ship, crew, route, and dates"',
        '  POST /voyages',
        '  hints: readOnly=false destructive=false idempotent=false openWorld=true',
        '  arguments:',
        '    shipImo: string, required, in body — IMO number of the ship',
      ].join('\n'),
    );
    expect(run.stdout).toContain('    imo: string, required, in path imo_number — IMO number of the ship');
    expect(run.stdout).toContain('    status: string, optional, in query — Filter by operational status');
    expect(run.stdout).toMatch(/Needed when serving: REGISTRY_TOKEN \(key "registry-bearer-token" of .*secrets\.yaml\)/);
  });

  it('lists the bundled capability in both formats alike', async () => {
    const [alpha2, beta5] = await Promise.all([
      runCli(['validate', 'src/engine/clerk-frontend-api-invitations.yaml'], baseEnv),
      runCli(['validate', 'src/engine/clerk-frontend-api-invitations.ikanos.yml'], baseEnv),
    ]);
    expect([alpha2.code, beta5.code]).toEqual([0, 0]);
    const body = (out: string): string => out.slice(out.indexOf('\n'));
    expect(body(beta5.stdout)).toBe(body(alpha2.stdout));
    expect(alpha2.stdout).toContain('revokePendingOrganizationInvitation  "Revoke Pending Organization Invitation"\n  POST /v1/organizations/{organization_id}/invitations/{invitation_id}/revoke\n  hints: readOnly=false destructive=true idempotent=true openWorld=true');
    expect(alpha2.stdout).toContain("served as Clerk's Frontend API");
  });

  it('reports every problem of a broken file on stderr, with the file and JSON paths, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-'));
    cpSync(TUTORIAL_DIR, dir, { recursive: true });
    const file = join(dir, TUTORIAL_FILE);
    const text = readFileSync(file, 'utf8').replace('      get-ship:\n        description:', '      get-ship:\n        display: 42\n        description:').replace('          readOnly: false', '          readonly: false');
    writeFileSync(file, text);
    const run = await runCli(['validate', file], baseEnv);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toContain(ANSI);
    expect(run.stderr).toContain(`Invalid capability file ${file}: 2 problems:`);
    expect(run.stderr).toContain('  - at capability.exposes[0].tools.get-ship.display: must be string');
    expect(run.stderr).toContain('  - at capability.exposes[0].tools.create-voyage.hints: unknown key "readonly" (not in Ikanos 1.0.0-beta5)');
  });

  it('shows terminal escapes written in the file escaped: a description in the listing, a key in a problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-'));
    cpSync(TUTORIAL_DIR, dir, { recursive: true });
    const file = join(dir, TUTORIAL_FILE);
    // YAML double quotes: \e is ESC, \a is BEL. An OSC 8 hyperlink and "clear the screen".
    const hostile = '"\\e]8;;https://evil.example\\aclick\\e]8;;\\a \\e[2J"';
    const text = readFileSync(file, 'utf8').replace('description: "Filter by operational status"', `description: ${hostile}`);
    writeFileSync(file, text);
    const listed = await runCli(['validate', file], baseEnv);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(ANSI);
    expect(listed.stdout).not.toContain(String.fromCharCode(7));
    expect(listed.stdout).toContain('status: string, optional, in query — \\u001b]8;;https://evil.example\\u0007click\\u001b]8;;\\u0007 \\u001b[2J');
    writeFileSync(file, text.replace('          readOnly: false', `          ${hostile}: false`));
    const refused = await runCli(['validate', file], baseEnv);
    expect(refused.code).toBe(1);
    expect(refused.stderr).not.toContain(ANSI);
    expect(refused.stderr).toContain('unknown key "\\u001b]8;;https://evil.example\\u0007click');
  });

  it('refuses an alpha2 file with its problems too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-'));
    const file = join(dir, 'seed.yaml');
    writeFileSync(file, readFileSync(SEED, 'utf8').replace('method: POST', 'method: FETCH'));
    const run = await runCli(['validate', file], baseEnv);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`Invalid capability file ${file.replace(/[.]/g, '\\.')} at capability\\.consumes\\[0\\]\\.resources\\[0\\]\\.operations\\[0\\]\\.method: `));
  });

  it('needs the file, and takes nothing more', async () => {
    const [none, two] = await Promise.all([runCli(['validate'], baseEnv), runCli(['validate', TUTORIAL, 'extra'], baseEnv)]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/validate needs the capability file to check/);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/Unexpected argument 'extra'/);
  });
});

describe('a terminal command whose reader stops early', () => {
  it('ends quietly with exit 0 when stdout is closed before it writes (validate FILE | head)', async () => {
    const child = spawn(process.execPath, [BIN, 'validate', 'src/engine/clerk-frontend-api-invitations.yaml'], { env: { ...baseEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reading end goes away at once, as `head` does after its lines: every write then fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
