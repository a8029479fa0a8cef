/**
 * Writing the bench's report: summarizing samples, and replacing only the generated part of
 * BENCHMARKS.md. Pure functions; the bench itself is not run here.
 */
import { describe, expect, it } from 'vitest';
import { markdownReport, median, quantile, withGeneratedBlock } from '../../../bench/report.js';

describe('median and quantile', () => {
  it('takes the middle sample, interpolating between the two middle ones for an even count', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 30, 20])).toBe(25);
  });

  it('interpolates a quantile linearly between neighbouring samples', () => {
    const samples = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(samples, 0.9)).toBeCloseTo(9.1);
    expect(quantile(samples, 0)).toBe(1);
    expect(quantile(samples, 1)).toBe(10);
  });

  it('is NaN for no samples (shown as "-" in a table)', () => {
    expect(median([])).toBeNaN();
  });
});

describe('markdownReport', () => {
  it('writes headings, paragraphs and tables as Markdown blocks separated by blank lines', () => {
    const markdown = markdownReport((out) => {
      out.heading('Cold start');
      out.text('A `node` process.');
      out.table([
        ['process', 'ms'],
        ['bare', '114.9'],
      ]);
    });
    expect(markdown).toBe(
      ['### Cold start', '', 'A `node` process.', '', '| process | ms |', '| --- | ---: |', '| bare | 114.9 |'].join(
        '\n',
      ),
    );
  });
});

describe('withGeneratedBlock', () => {
  const BEGIN = '<!-- bench:begin (written by `npm run bench`; edit outside these markers) -->';
  const END = '<!-- bench:end -->';

  it('replaces only what lies between the markers, keeping the prose around them', () => {
    const current =
      '# Benchmarks\n\nHow it measures.\n\n<!-- bench:begin (an older explanation) -->\n\nold ' +
      `figures\n\n${END}\n\nMore prose.\n`;
    expect(withGeneratedBlock(current, 'new figures')).toBe(
      `# Benchmarks\n\nHow it measures.\n\n${BEGIN}\n\nnew figures\n\n${END}\n\nMore prose.\n`,
    );
  });

  it('appends the block to a file without markers', () => {
    expect(withGeneratedBlock('# Benchmarks\n\nProse.', 'figures')).toBe(
      `# Benchmarks\n\nProse.\n\n${BEGIN}\n\nfigures\n\n${END}\n`,
    );
  });

  it('starts a missing or empty file with a heading', () => {
    expect(withGeneratedBlock('', 'figures')).toBe(`# Benchmarks\n\n\n${BEGIN}\n\nfigures\n\n${END}\n`);
  });
});
