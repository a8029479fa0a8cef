/**
 * cdk.json applies the target rule table (core/target-rules.ts): each mistake is refused with the
 * table's words, under cdk.json's names.
 */
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, parseRotatorConfig } from '../../../lib/config/config.js';
import { SCHEDULE_DOORS, scheduleVerdict } from '../../../core/schedule-rules.js';
import { configWarnings } from '../../../lib/config/config.js';
import {
  CASE_ID,
  CASE_ROLE,
  TARGET_DOORS,
  TARGET_RULE_CASES,
  tableLines,
  UNNARROWED_CASES,
  warningLines,
  type TargetCase,
} from '../../support/index.js';

/** @param schedule by default one every lifetime allows, so only the target's own problems are listed. */
function problemsOf(
  target: TargetCase,
  schedule = 'rate(5 minutes)',
  extra: Record<string, unknown> = {},
): readonly string[] {
  try {
    parseRotatorConfig({ schedule, targets: [target], ...extra });
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

describe('the cdk.json door, with "requireNarrowedCredentials": true', () => {
  it.each(UNNARROWED_CASES)('refuses %s in the table’s words, which it warns about otherwise', (_kind, target) => {
    const expected = tableLines(target, TARGET_DOORS.config, 'targets', { requireNarrowedCredentials: true });

    expect(expected).toHaveLength(1);
    expect(problemsOf(target, 'rate(5 minutes)', { requireNarrowedCredentials: true })).toEqual(expected);
    expect(configWarnings(parseRotatorConfig({ schedule: 'rate(15 minutes)', targets: [target] }))).toEqual(
      warningLines(target, TARGET_DOORS.config, 'targets'),
    );
  });
});

describe('the cdk.json door, for the fixed names', () => {
  it('refuses adobeSecretName beside adobeCredentialsSecret in the setting rules’ words', () => {
    expect(
      problemsOf({ connectionId: CASE_ID, sandboxName: 'prod', roleArn: CASE_ROLE }, 'rate(5 minutes)', {
        adobeSecretName: 'aep/adobe',
        adobeCredentialsSecret: 'aep/existing',
      }),
    ).toEqual([
      'adobeSecretName: names the Adobe secret the stack creates, but adobeCredentialsSecret is given, ' +
        'so the stack creates none; remove one of them',
    ]);
  });

  it('refuses malformed names, each with its value', () => {
    expect(
      problemsOf({ connectionId: CASE_ID, sandboxName: 'prod', roleArn: CASE_ROLE }, 'rate(5 minutes)', {
        adobeSecretName: 'aep adobe',
        ledgerTableName: 'l',
      }),
    ).toEqual([
      'adobeSecretName: must be a Secrets Manager secret name: 1 to 512 letters, digits and /_+=.@-; got "aep adobe"',
      'ledgerTableName: must be a DynamoDB table name: 3 to 255 letters, digits and _.-; got "l"',
    ]);
  });
});

describe('the cdk.json door, for schedules', () => {
  it('refuses a schedule too slow for the shortest lifetime in the rules’ words, naming durationSeconds', () => {
    const expected = scheduleVerdict(
      { schedule: 'rate(1 hour)', lifetimes: [3600], concurrency: 8 },
      SCHEDULE_DOORS.config,
    ).problems;

    expect(expected).toHaveLength(1);
    expect(problemsOf({ connectionId: CASE_ID, sandboxName: 'prod', roleArn: CASE_ROLE }, 'rate(1 hour)')).toEqual(
      expected,
    );
  });
});
