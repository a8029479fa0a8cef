/**
 * cdk.json applies the target rule table (core/target-rules.ts): each mistake is refused with the
 * table's words, under cdk.json's names.
 */
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, parseRotatorConfig } from '../../../lib/config/config.js';
import { TARGET_DOORS, TARGET_RULE_CASES, tableLines, type TargetCase } from '../../support/index.js';

function problemsOf(target: TargetCase): readonly string[] {
  try {
    // A schedule every lifetime allows, so only the target's own problems are listed.
    parseRotatorConfig({ schedule: 'rate(5 minutes)', targets: [target] });
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
