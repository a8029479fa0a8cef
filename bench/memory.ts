/**
 * Peak memory of the largest run: the function alone in its child process (the emulators run in
 * the parent), after the import, after each invocation and after a full GC.
 */
import { FUNCTION_MEMORY_MB, FUNCTION_NODE_FLAGS } from './container.js';
import type { SizeResult } from './latency.js';
import { fmtBytes, fmtInt, type ReportOutput, type Row } from './report.js';

function memoryRows(result: SizeResult): Row[] {
  const share = (bytes: number) =>
    ` (${((100 * bytes) / (FUNCTION_MEMORY_MB * 1024 * 1024)).toFixed(0)}% of ${FUNCTION_MEMORY_MB} MB)`;
  return [
    ['point in the run', 'peak RSS (maxRSS)', 'heapUsed'],
    ['after importing the bundle', fmtBytes(result.maxRssAfterImportBytes), fmtBytes(result.heapUsedAfterImportBytes)],
    [
      `after the first invocation (${fmtInt(result.connections)} rotated)`,
      fmtBytes(result.cold.maxRssBytes) + share(result.cold.maxRssBytes),
      fmtBytes(result.cold.heapUsedBytes),
    ],
    [
      'after the second, warm invocation',
      fmtBytes(result.warm.maxRssBytes) + share(result.warm.maxRssBytes),
      fmtBytes(result.warm.heapUsedBytes),
    ],
    ...(result.retainedHeapBytes === undefined
      ? []
      : [['then after a full GC (what the container keeps)', '-', fmtBytes(result.retainedHeapBytes)]]),
  ];
}

/** The report's "Peak memory" section, for `largest` (the last size measured). */
export function renderMemorySection(out: ReportOutput, largest: SizeResult): void {
  out.heading(`Peak memory (${fmtInt(largest.connections)} connection${largest.connections === 1 ? '' : 's'})`);
  out.text(
    'The function alone, in its child process (the emulators run in the parent), started with ' +
      `\`${FUNCTION_NODE_FLAGS.join(' ')}\` (the construct's NODE_OPTIONS, and the flags Lambda's Node.js bootstrap ` +
      `adds, with heap limits for ${FUNCTION_MEMORY_MB} MB):`,
  );
  out.table(memoryRows(largest));
}
