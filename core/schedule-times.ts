/**
 * When a rotator's schedule runs next, as `status` tells it. A `rate(...)` schedule runs every
 * interval from when it was created, which nothing reports: its next run is the last scheduled run
 * the ledger saw plus one interval. A daily `cron(...)` (the only kind the rotator accepts, in
 * UTC unless the schedule names a time zone) runs at the next minute its fields select.
 */
import { scheduleInterval } from './rotation-rules.js';

/** `cron(m h * * ? *)`'s minutes of the day, or undefined for anything else. */
function cronMinutes(expression: string): number[] | undefined {
  const match = /^cron\((\S+) (\S+) [*?] \* [*?] \*\)$/.exec(expression.trim());
  if (!match) return undefined;
  const values = (field: string, max: number): number[] | undefined => {
    const out = new Set<number>();
    for (const item of field.split(',')) {
      const part = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(item);
      if (!part) return undefined;
      const from = part[1] === '*' ? 0 : Number(part[1]);
      const to = part[2] !== undefined ? Number(part[2]) : part[1] === '*' || part[3] !== undefined ? max : from;
      const step = part[3] === undefined ? 1 : Number(part[3]);
      if (step < 1 || to > max || from > to) return undefined;
      for (let value = from; value <= to; value += step) out.add(value);
    }
    return [...out];
  };
  const minutes = values(match[1]!, 59);
  const hours = values(match[2]!, 23);
  if (!minutes || !hours) return undefined;
  return hours.flatMap((hour) => minutes.map((minute) => hour * 60 + minute)).sort((a, b) => a - b);
}

/**
 * When the schedule runs next after `now` (epoch ms), or undefined when that cannot be told.
 * @param lastRunAt the last scheduled run the ledger saw (a `rate(...)` schedule counts from it).
 * @param timeZone the schedule's `ScheduleExpressionTimezone`; only UTC crons are worked out.
 */
export function nextScheduledRun(
  expression: string,
  now: number,
  lastRunAt?: number,
  timeZone?: string,
): number | undefined {
  if (expression.startsWith('rate(')) {
    const { seconds } = scheduleInterval(expression);
    if (!seconds || lastRunAt === undefined) return undefined;
    // A run that is due but has not reported yet is the next one: it may be running now.
    return lastRunAt + seconds * 1000;
  }
  if (timeZone && timeZone !== 'UTC' && timeZone !== 'Etc/UTC') return undefined;
  const minutes = cronMinutes(expression);
  if (!minutes || minutes.length === 0) return undefined;
  const day = Math.floor(now / 86_400_000) * 86_400_000;
  for (const offset of [0, 1]) {
    for (const minute of minutes) {
      const at = day + offset * 86_400_000 + minute * 60_000;
      if (at > now) return at;
    }
  }
  return undefined;
}
