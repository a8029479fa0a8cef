/**
 * docs/RUNBOOK.md against what points into it: `status` links a failing connection's code to its
 * section of "Adobe's codes", and every code the runbook has a section for is one status links.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codeSection, RUNBOOK_CODES } from '../../../cli/status-table.js';
import { anchorsOf } from '../../support/markdown-anchors.js';

const RUNBOOK = readFileSync(new URL('../../../docs/RUNBOOK.md', import.meta.url), 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const ANCHORS = anchorsOf(RUNBOOK);

/** The code headings of the "Adobe's codes" section. */
function codeHeadings(): string[] {
  const section = /^## Adobe's codes\n([\s\S]*?)^## /m.exec(RUNBOOK)?.[1];
  if (!section) throw new Error('docs/RUNBOOK.md has no "## Adobe\'s codes" section');
  return [...section.matchAll(/^### `([^`]+)`$/gm)].map((match) => match[1]!);
}

describe("docs/RUNBOOK.md, Adobe's codes", () => {
  it('has a section for each code status links, and status links each code it has a section for', () => {
    expect([...RUNBOOK_CODES].sort()).toEqual(codeHeadings().sort());
    for (const code of RUNBOOK_CODES) {
      const anchor = codeSection(code).split('#')[1]!;
      expect(ANCHORS, `docs/RUNBOOK.md has no section for ${code}`).toContain(anchor);
    }
  });

  it('names the codes asked for: who fixes each, how to keep ingesting, or a pointer to one that says', () => {
    for (const code of ['1445-400', '1416-400', '2118-403']) expect(RUNBOOK_CODES).toContain(code);
    const section = /^## Adobe's codes\n([\s\S]*?)^## /m.exec(RUNBOOK)![1]!;
    for (const part of section.split(/^### /m).slice(2)) {
      const heading = part.split('\n')[0]!;
      if (/\n\nAs \[`[^`]+`\]\(#[^)]+\)/.test(part)) continue;
      expect(part, heading).toMatch(/^- Who: /m);
      expect(part, heading).toMatch(/^- Meanwhile: /m);
    }
  });

  it('links a code without a section of its own to the section as a whole', () => {
    expect(codeSection('9999-999')).toBe('docs/RUNBOOK.md, "Adobe\'s codes"');
    expect(codeSection(undefined)).toBe('docs/RUNBOOK.md, "Adobe\'s codes"');
    expect(codeSection('STS_MINT_FAILED')).toBe('docs/RUNBOOK.md#sts_mint_failed');
  });

  it('keeps its steps in short sections, not long table cells', () => {
    const cells = RUNBOOK.split('\n')
      .filter((line) => line.startsWith('|'))
      .flatMap((line) => line.split('|'));
    expect(cells.filter((cell) => cell.trim().length > 200)).toEqual([]);
  });
});

describe('links between README.md, docs/RUNBOOK.md and docs/DEPLOY.md', () => {
  const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
  const files = {
    'README.md': read('README.md'),
    'docs/RUNBOOK.md': RUNBOOK,
    'docs/DEPLOY.md': read('docs/DEPLOY.md'),
  };

  it('points every section link at a section that exists', () => {
    const broken: string[] = [];
    for (const [path, text] of Object.entries(files)) {
      const dir = path.includes('/') ? 'docs/' : '';
      for (const [, target = '', anchor] of text.matchAll(/\]\(([\w./-]*?)#([\w-]+)\)/g)) {
        const file =
          target === '' ? path : `${dir}${target}`.replace(/^docs\/docs\//, 'docs/').replace(/^docs\/\.\.\//, '');
        const other = files[file as keyof typeof files];
        if (!other) continue;
        if (!anchorsOf(other).has(anchor!)) broken.push(`${path} → ${file}#${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
