import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { staleReason, useRunTempFolder } from './global-setup.js';
import { baseEnv, freshConfig } from './helpers/cli.js';

/** A checkout in a temp folder: every file at `builtAt - 60 s`, except dist/index.js at `builtAt`. */
function checkout(): { root: string; builtAt: Date; touch: (path: string, at: Date) => void } {
  const root = mkdtempSync(join(tmpdir(), 'cim-checkout-'));
  const builtAt = new Date('2026-01-01T12:00:00Z');
  const before = new Date(builtAt.getTime() - 60_000);
  const touch = (path: string, at: Date): void => utimesSync(join(root, path), at, at);
  for (const file of ['src/index.ts', 'src/clerk/client.ts', 'scripts/build.mjs', 'scripts/demo.mjs', 'package.json', 'package-lock.json', 'README.md', 'test/a.test.ts', 'dist/index.js']) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), '');
  }
  // Files first, then their folders: writing a file moves its folder's mtime.
  for (const path of ['src/index.ts', 'src/clerk/client.ts', 'scripts/build.mjs', 'scripts/demo.mjs', 'package.json', 'package-lock.json', 'README.md', 'test/a.test.ts', 'src/clerk', 'src', 'scripts', 'test']) touch(path, before);
  touch('dist/index.js', builtAt);
  return { root, builtAt, touch };
}

const later = (at: Date): Date => new Date(at.getTime() + 1_000);

describe('staleReason (is dist/index.js older than what it is built from?)', () => {
  it('is fresh when dist/index.js is newer than every source', () => {
    const { root } = checkout();
    expect(staleReason(root)).toBeUndefined();
  });

  it('is stale when dist/index.js is missing', () => {
    const { root } = checkout();
    rmSync(join(root, 'dist/index.js'));
    expect(staleReason(root)).toBe('dist/index.js is missing');
  });

  it.each(['src/index.ts', 'src/clerk/client.ts', 'scripts/build.mjs', 'package.json', 'package-lock.json'])('is stale when %s is newer', (file) => {
    const { root, builtAt, touch } = checkout();
    touch(file, later(builtAt));
    expect(staleReason(root)).toBe(`${file} is newer than dist/index.js`);
  });

  it('is stale when a source was deleted after the build (its folder changed)', () => {
    const { root, builtAt, touch } = checkout();
    rmSync(join(root, 'src/clerk/client.ts'));
    touch('src/clerk', later(builtAt));
    expect(staleReason(root)).toBe('src/clerk is newer than dist/index.js');
  });

  it('stays fresh when only files the bin is not built from changed', () => {
    const { root, builtAt, touch } = checkout();
    for (const file of ['README.md', 'test/a.test.ts', 'scripts/demo.mjs']) touch(file, later(builtAt));
    expect(staleReason(root)).toBeUndefined();
  });
});

describe('temp folders of a run', () => {
  it('the tests run with the OS temp dir pointed at the run folder, where the CLI helper makes its config folders', () => {
    expect(basename(tmpdir())).toMatch(/^cim-run-/);
    expect(dirname(baseEnv.XDG_CONFIG_HOME)).toBe(tmpdir());
    expect(dirname(freshConfig().env.XDG_CONFIG_HOME!)).toBe(tmpdir());
  });

  it('the teardown removes the run folder with everything in it and restores the temp dir', () => {
    const outer = tmpdir();
    const teardown = useRunTempFolder();
    const folder = tmpdir();
    expect(dirname(folder)).toBe(outer);
    const made = mkdtempSync(join(tmpdir(), 'cim-made-'));
    writeFileSync(join(made, 'file'), 'x');
    teardown();
    expect(tmpdir()).toBe(outer);
    expect(existsSync(folder)).toBe(false);
  });
});
