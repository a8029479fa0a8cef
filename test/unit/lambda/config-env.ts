/** The function's environment for loadConfig's tests (test/unit/lambda/config*.test.ts). */
import { expect } from 'vitest';
import { ConfigError } from '../../../lambda/errors.js';

export const ID_A = '4cb0c374-d3bb-4557-b139-5712880adc55';
export const ID_B = '9e0f2c1a-1111-4222-8333-444455556666';
export const ROLE = 'arn:aws:iam::123456789012:role/aep-ingest';

/** A valid environment with `overrides`, and `targets` as ROTATION_TARGETS (one role target by default). */
export function env(
  overrides: Record<string, string | undefined> = {},
  targets: unknown = [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE }],
) {
  return {
    ADOBE_CREDENTIALS_SECRET_ID: 'aep/adobe',
    ROTATION_TARGETS: JSON.stringify(targets),
    ...overrides,
  };
}

/** The problems `fn` throws, or none. */
export function problemsOrNone(fn: () => unknown): string[] {
  try {
    fn();
    return [];
  } catch (error) {
    return [...(error as ConfigError).problems];
  }
}

/** The problems of the ConfigError `fn` throws; the test fails when it throws nothing, or anything else. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

/** A valid environment whose one target is connection ID_A in sandbox `prod`, with `fields`. */
export function oneTarget(fields: Record<string, unknown>): Record<string, string | undefined> {
  return env({}, [{ connectionId: ID_A, sandboxName: 'prod', ...fields }]);
}
