/**
 * A benchmark child process: one fresh "container". bench/container.ts bundles this file to plain
 * .mjs and forks it with `process.execPath` (no TypeScript loader, so only the measured code is in
 * the process), then sends it one task over IPC: the environment to run with (too large for the
 * command line at 1,000 targets) and what to run. The emulators stay in the parent.
 *
 * - `handler`: import the bundled function (as Lambda does at INIT), then invoke its `handler`
 *   `invocations` times with a scheduled event; the first invocation is the cold one.
 * - `baseline`: import bench/tutorial-baseline.ts (bundled) and run it once.
 */
import { randomUUID } from 'node:crypto';
import type { TutorialOptions, TutorialResult } from './tutorial-baseline.js';

export type ChildTask =
  | {
      readonly kind: 'handler';
      readonly moduleUrl: string;
      readonly env: Record<string, string>;
      readonly invocations: number;
    }
  | {
      readonly kind: 'baseline';
      readonly moduleUrl: string;
      readonly env: Record<string, string>;
      readonly options: TutorialOptions;
    };

export interface ChildRun {
  readonly ms: number;
  /** CPU the process used during the run (user + system). */
  readonly cpuMs: number;
  readonly rotated: number;
  readonly failed: number;
  readonly error?: string;
  /** `process.resourceUsage().maxRSS` after the run, in bytes. */
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
}

export interface ChildReport {
  readonly nodeVersion: string;
  readonly importMs: number;
  /** Peak RSS once the module is loaded, before any invocation. */
  readonly maxRssAfterImportBytes: number;
  readonly heapUsedAfterImportBytes: number;
  readonly runs: ChildRun[];
  /** heapUsed after the last run and a full GC (when the process runs with --expose-gc). */
  readonly retainedHeapBytes?: number;
}

/**
 * Scheduler's input, as the construct's schedule sends it: each invocation a tick of its own (its own `executionId`).
 */
const scheduledEvent = () => ({
  source: 'aep-s3-rotator.schedule',
  scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/bench',
  scheduledTime: new Date().toISOString(),
  executionId: randomUUID(),
  attemptNumber: '1',
});

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;

async function measure(run: () => Promise<{ rotated: number; failed: number; error?: string }>): Promise<ChildRun> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const outcome = await run();
  const ms = performance.now() - started;
  return {
    ms,
    cpuMs: cpuMs(process.cpuUsage(cpu)),
    ...outcome,
    maxRssBytes: maxRssBytes(),
    heapUsedBytes: process.memoryUsage().heapUsed,
  };
}

async function perform(task: ChildTask): Promise<ChildReport> {
  // Before the import: Powertools reads its settings when its module loads.
  Object.assign(process.env, task.env);
  const importStarted = performance.now();
  const module = (await import(task.moduleUrl)) as Record<string, unknown>;
  const importMs = performance.now() - importStarted;
  const base = {
    nodeVersion: process.version,
    importMs,
    maxRssAfterImportBytes: maxRssBytes(),
    heapUsedAfterImportBytes: process.memoryUsage().heapUsed,
  };

  if (task.kind === 'handler') {
    const handler = module.handler as (event: unknown) => Promise<{ rotated: number; failed: number }>;
    const runs: ChildRun[] = [];
    for (let invocation = 0; invocation < task.invocations; invocation += 1) {
      runs.push(
        await measure(async () => {
          try {
            const summary = await handler(scheduledEvent());
            return { rotated: summary.rotated, failed: summary.failed };
          } catch (error) {
            const failed = (error as { failedConnectionIds?: unknown[] }).failedConnectionIds?.length ?? -1;
            return { rotated: -1, failed, error: String((error as Error).message).slice(0, 500) };
          }
        }),
      );
    }
    // After the last measured run only: a full GC here cannot change any timing.
    const collect = (globalThis as { gc?: () => void }).gc;
    collect?.();
    return { ...base, runs, ...(collect ? { retainedHeapBytes: process.memoryUsage().heapUsed } : {}) };
  }

  const rotate = module.rotateLikeTheTutorial as (options: TutorialOptions) => Promise<TutorialResult>;
  const run = await measure(async () => {
    const result = await rotate(task.options);
    return {
      rotated: result.rotated,
      failed: result.failed,
      ...(result.firstError ? { error: result.firstError } : {}),
    };
  });
  return { ...base, runs: [run] };
}

process.once('message', (task: ChildTask) => {
  perform(task).then(
    (report) => process.send!({ ok: true, report }, () => process.exit(0)),
    (error: unknown) =>
      process.send!({ ok: false, error: String((error as Error)?.stack ?? error) }, () => process.exit(1)),
  );
});
