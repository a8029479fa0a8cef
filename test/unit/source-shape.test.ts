import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 20's shape for the code, kept by a test rather than by memory: small files (one concern each) and lines a
 * reviewer reads without scrolling. Biome formats to 120 columns; strings, test names and comments it cannot wrap are
 * what this catches.
 */
const MAX_LINES = 400;
const MAX_COLUMNS = 120;

const root = join(import.meta.dirname, '..', '..');
const SOURCE_FOLDERS = ['bin', 'bench', 'cli', 'core', 'emulators', 'lambda', 'lib', 'scripts', 'test'];
const SOURCE_FILE = /\.(?:ts|mts|cts|mjs|cjs|js|jsonc)$/;
const SKIPPED = new Set(['node_modules', 'cdk.out', 'dist', '.consumers', 'fixtures']);

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const files = [
  ...SOURCE_FOLDERS.flatMap((folder) => sourceFiles(join(root, folder))),
  ...readdirSync(root)
    .filter((name) => SOURCE_FILE.test(name))
    .map((name) => join(root, name)),
].map((path) => ({ name: relative(root, path), lines: readFileSync(path, 'utf8').split('\n') }));

describe('the source, as issue 20 shapes it', () => {
  it('finds the source folders (a guard that reads nothing proves nothing)', () => {
    for (const folder of ['core', 'lambda', 'lib', 'cli', 'emulators'])
      expect(
        files.some((file) => file.name.startsWith(`${folder}/`)),
        folder,
      ).toBe(true);
    expect(files.length).toBeGreaterThan(250);
  });

  it(`keeps every source file at ${MAX_LINES} lines or fewer`, () => {
    const long = files
      .filter((file) => file.lines.length - (file.lines.at(-1) === '' ? 1 : 0) > MAX_LINES)
      .map((file) => `${file.name} (${file.lines.length} lines)`);
    expect(long).toEqual([]);
  });

  it(`keeps every line at ${MAX_COLUMNS} characters or fewer`, () => {
    const wide = files.flatMap((file) =>
      file.lines.flatMap((line, index) =>
        line.length > MAX_COLUMNS ? [`${file.name}:${index + 1} (${line.length} characters)`] : [],
      ),
    );
    expect(wide).toEqual([]);
  });
});
