/**
 * cdk.json applies the target rule table (core/target-rules.ts): each mistake is refused with the
 * table's words, under cdk.json's names.
 */
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, parseRotatorConfig } from '../../../lib/config/config.js';
import { SCHEDULE_DOORS, scheduleVerdict } from '../../../core/schedule-rules.js';
import { CASE_ID, CASE_ROLE, TARGET_DOORS, TARGET_RULE_CASES, tableLines, type TargetCase } from '../../support/index.js';

/** @param schedule by default one every lifetime allows, so only the target's own problems are listed. */
function problemsOf(target: TargetCase, schedule = 'rate(5 minutes)'): readonly string[] {
  try {
    parseRotatorConfig({ schedule, targets: [target] });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).problems;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('the cdk.json door', () => {
  it.each(TARGET_RULE_CASES)('refuses %s in the table’s words', (_mistake, target) => {
    const expected = tableLines(target, TARGET_DOORS.config, 'targets');

    expect(expected.length).toBeGreaterThan(0);
    expect(problemsOf(target)).toEqual(expect.arrayContaining(expected));
  });
});

describe('the cdk.json door, for schedules', () => {
  it('refuses a schedule too slow for the shortest lifetime in the schedule rules’ words, naming durationSeconds', () => {
    const expected = scheduleVerdict({ schedule: 'rate(1 hour)', lifetimes: [3600], concurrency: 8 }, SCHEDULE_DOORS.config).problems;

    expect(expected).toHaveLength(1);
    expect(problemsOf({ connectionId: CASE_ID, sandboxName: 'prod', roleArn: CASE_ROLE }, 'rate(1 hour)')).toEqual(expected);
  });
});
