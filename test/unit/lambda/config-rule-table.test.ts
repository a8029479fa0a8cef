/**
 * The function's environment applies the target rule table (core/target-rules.ts): each mistake
 * it can express is refused with the table's words, under its own names.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambda/config.js';
import { ConfigError } from '../../../lambda/errors.js';
import { TARGET_DOORS, TARGET_RULE_CASES, tableLines, type TargetCase } from '../../support/index.js';

/** The case as a `ROTATION_TARGETS` entry: the secret by its id. */
function entry({ userCredentialsSecret, ...target }: TargetCase) {
  return { ...target, ...(userCredentialsSecret ? { userCredentialsSecretId: userCredentialsSecret } : {}) };
}

function problemsOf(target: TargetCase): readonly string[] {
  try {
    loadConfig({
      env: { ADOBE_CREDENTIALS_SECRET_ID: 'aep/adobe', ROTATION_TARGETS: JSON.stringify([entry(target)]) },
    });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('the function door', () => {
  // The environment has no createRole: the role is created by the stack, which writes roleArn.
  it.each(TARGET_RULE_CASES.filter(([, target]) => !target.createRole))(
    'refuses %s in the table’s words',
    (_mistake, target) => {
      const expected = tableLines(target, TARGET_DOORS.function, 'ROTATION_TARGETS');

      expect(expected.length).toBeGreaterThan(0);
      expect(problemsOf(target)).toEqual(expected);
    },
  );
});
