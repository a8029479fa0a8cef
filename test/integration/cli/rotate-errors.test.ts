/**
 * What stops `rotate` through the deployed function: a function, stack or output that is not there,
 * no AWS credentials, a throttled invoke (exit 3), and usage mistakes (exit 2), each said in one line.
 */
import { describe, expect, it } from 'vitest';
import {
  FUNCTION_NAME,
  NO_AWS_CREDENTIALS,
  STACK_TRACE,
  useDeployedRotator,
  type CliWorld,
} from '../../support/index.js';

let t: CliWorld;
let ids: string[];
useDeployedRotator((started) => ({ t, ids } = started));

describe('rotate (deployed function): what stops it', () => {
  it('says the function was not found, and exits 3', async () => {
    const result = await t.cli(['rotate', '--function', 'no-such-function']);

    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'aep-s3-rotator: Function no-such-function was not found in us-east-1: check --function, AWS_REGION, ' +
        'or deploy the stack.\n',
    );
  });

  it('says the stack is not deployed, and exits 3', async () => {
    const result = await t.cli(['rotate', '--stack', 'SomeOtherStack']);

    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      new RegExp(
        '^aep-s3-rotator: Stack SomeOtherStack is not deployed in us-east-1: check the stack name ' +
          String.raw`.*--function <name>\.\n$`,
      ),
    );
  });

  it('says when the stack has no RotatorFunctionName output, and exits 3', async () => {
    t.cloudFormation.putStack({ stackName: 'NotTheRotator', outputs: [{ key: 'BucketName', value: 'b' }] });

    const result = await t.cli(['rotate', '--stack', 'NotTheRotator']);

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Stack NotTheRotator has no output RotatorFunctionName');
  });

  it('says there are no AWS credentials, and exits 3', async () => {
    const restore = t.env(NO_AWS_CREDENTIALS);
    try {
      const result = await t.cli(['rotate']);

      expect(result.code).toBe(3);
      expect(result.stderr).toBe(
        'aep-s3-rotator: No AWS credentials were found: set AWS_PROFILE (and run `aws sso login` if it uses SSO), ' +
          'or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then try again.\n',
      );
    } finally {
      restore();
    }
  });

  it('says the function is busy when Lambda throttles the invoke, and exits 3', async () => {
    t.lambda.injectFault({
      kind: 'respond',
      status: 429,
      headers: { 'x-amzn-errortype': 'TooManyRequestsException', 'content-type': 'application/json' },
      body: { Type: 'User', message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
    });

    const result = await t.cli(['rotate', '--connection', ids[0]!]);

    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`Function ${FUNCTION_NAME} is busy`);
  });

  it.each([
    [['rotate', '--local', '--function', 'x'], /--local .* cannot be combined with --function/],
    [['rotate', '--verbose'], /--verbose applies to --local only/],
    [['rotate', '--connection', 'not-a-uuid'], /--connection "not-a-uuid" is not a Flow Service connection id/],
  ])('refuses %j as a usage error (exit 2) in one line', async (argv, message) => {
    const result = await t.cli(argv);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });
});
