/** The pure synth-time rules shared by the configuration parser and the construct. */
import { describe, expect, it } from 'vitest';
import {
  bucketNameProblem,
  DEFAULT_MEMORY_MB,
  durationProblem,
  functionTimeout,
  memoryProblem,
  RETRY_ALLOWANCE_SECONDS,
  scheduleInterval,
  SLOW_REQUEST_SECONDS,
} from '../../../core/rotation-rules.js';
import { runAlarmPeriodSeconds } from '../../../core/alarm-rules.js';

describe('scheduleInterval', () => {
  it.each([
    ['rate(1 minute)', 60],
    ['rate(15 minutes)', 900],
    ['rate(1 hour)', 3600],
    ['rate(2 hours)', 7200],
    ['rate(1 day)', 86_400],
    ['cron(0/15 * * * ? *)', 900],
    ['cron(*/10 * * * ? *)', 600],
    ['cron(5,35 * * * ? *)', 1800],
    ['cron(0 * * * ? *)', 3600],
    ['cron(0 0/6 * * ? *)', 21_600],
    ['cron(0 8-17 * * ? *)', 15 * 3600],
    ['cron(0-50/10 * ? * * *)', 600],
    ['cron(0 12 * * ? *)', 86_400],
  ])('%s repeats at most every %i s', (expression, seconds) => {
    expect(scheduleInterval(expression)).toEqual({ seconds });
  });

  it.each([
    ['rate(0 minutes)', 'never repeats'],
    ['rate(5 minute)', 'use the singular unit for 1 and the plural otherwise'],
    ['rate(1 minutes)', 'use the singular unit for 1 and the plural otherwise'],
    ['rate(15 seconds)', 'is not a repeating schedule'],
    ['at(2030-01-01T00:00:00)', 'is not a repeating schedule'],
    ['cron(0 * * *)', 'must have 6 fields'],
    ['cron(0 12 1 * ? *)', 'does not run every day'],
    ['cron(0 12 ? * MON *)', 'does not run every day'],
    ['cron(0 12 * JAN ? *)', 'does not run every day'],
    ['cron(0 L * * ? *)', 'does not understand'],
    ['cron(60 * * * ? *)', 'does not understand'],
    ['cron(10-5 * * * ? *)', 'does not understand'],
  ])('cannot tell how often %s runs', (expression, problem) => {
    expect(scheduleInterval(expression).problem).toContain(problem);
  });
});

describe('durationProblem', () => {
  it.each([
    ['assume-role-chained', 900],
    ['assume-role-chained', 3600],
    ['assume-role-user-keys', 43_200],
    ['get-session-token', 900],
    ['get-session-token', 129_600],
  ] as const)('accepts %s for %i s', (method, seconds) => {
    expect(durationProblem(method, seconds)).toBeUndefined();
  });

  it.each([
    ['assume-role-chained', 3601, '3601 is above 3600, the cap AWS sets on role chaining'],
    ['assume-role-chained', 899, '899 is below 900'],
    ['assume-role-user-keys', 43_201, '43201 is above 43200'],
    ['assume-role-user-keys', 600, '600 is below 900'],
    ['get-session-token', 899, '899 is outside 900 to 129600'],
    ['get-session-token', 129_601, '129601 is outside 900 to 129600'],
  ] as const)('refuses %s for %i s', (method, seconds, problem) => {
    expect(durationProblem(method, seconds)).toContain(problem);
  });

  it('names the caller’s field in its advice', () => {
    expect(durationProblem('assume-role-chained', 7200, { userKeysField: 'userKeys' })).toContain(
      'give the target userKeys so AssumeRole',
    );
  });
});

describe('bucketNameProblem', () => {
  it.each(['abc', 'acme-aep-landing', '0-9', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(bucketNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['ab', 'has 2 characters'],
    ['a'.repeat(64), 'has 64 characters'],
    ['Acme', 'is not a valid bucket name'],
    ['acme.landing', 'is not a valid bucket name'],
    ['acme_landing', 'is not a valid bucket name'],
    ['-acme', 'is not a valid bucket name'],
    ['acme-', 'is not a valid bucket name'],
    ['10.0.0.1', 'is shaped like an IP address'],
  ])('refuses %s', (name, problem) => {
    expect(bucketNameProblem(name)).toContain(problem);
  });
});

describe('memoryProblem', () => {
  it.each([128, 256, 1024, DEFAULT_MEMORY_MB, 10_240])('accepts %i MB', (memory) => {
    expect(memoryProblem(memory)).toBeUndefined();
  });

  it.each([0, 127, 10_241, 256.5, -1, Number.NaN])('refuses %d', (memory) => {
    expect(memoryProblem(memory)).toBe(
      `${memory} is not a whole number of MB from 128 to 10240, the range Lambda accepts; choose a value in it`,
    );
  });
});

describe('functionTimeout', () => {
  it.each([
    // targets, concurrency → minimum (30 s + 45 s a batch), full (minimum + 130 + 175 + 3, at most 900)
    [1, 8, 75, 383],
    [8, 8, 75, 383],
    [9, 8, 120, 428],
    [100, 8, 615, 900],
    [1000, 64, 750, 900],
  ])(
    'gives %i targets at concurrency %i a minimum of %i s and a %i s timeout',
    (targets, concurrency, minimumSeconds, seconds) => {
      expect(functionTimeout(targets, concurrency)).toEqual({ seconds, minimumSeconds });
    },
  );

  it('leaves room for one slow request (every attempt to its timeout, the longest Retry-After) and one more', () => {
    // 4 attempts x 10 s + 3 retries x 30 s; then the usual 45 s path and another slow request; then the 3 s stop
    // margin.
    expect(SLOW_REQUEST_SECONDS).toBe(130);
    expect(RETRY_ALLOWANCE_SECONDS).toBe(130 + 45 + 130 + 3);
  });

  it('refuses what would not fit in Lambda’s 15 minutes even without that room', () => {
    expect(functionTimeout(160, 8).problem).toContain('160 targets at concurrency 8 need an estimated 930 s');
    expect(functionTimeout(152, 8).problem).toBeUndefined();
  });
});

describe('runAlarmPeriodSeconds', () => {
  it.each([
    [900, 900],
    [60, 60],
    [30, 60],
    [90, 120],
    [64_800, 64_800],
    [172_800, 86_400],
  ])('for runs %i s apart is %i s', (interval, period) => {
    expect(runAlarmPeriodSeconds(interval)).toBe(period);
  });
});
