/**
 * The construct on its own, for the tests of its props: a stack whose bundling is skipped, a
 * rotator with one target unless told otherwise, and the problems props make synth refuse.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { expect } from 'vitest';
import {
  S3CredentialRotator,
  S3CredentialRotatorValidationError,
  type RotationTargetProps,
  type S3CredentialRotatorProps,
} from '../../lib/s3-credential-rotator.js';
import { testOutdir } from './cdk.js';

/** The connection of the one target a test rotator has unless told otherwise. */
export const TEST_CONNECTION_ID = '4cb0c374-d3bb-4557-b139-5712880adc55';
/** Its role. */
export const TEST_ROLE_ARN = 'arn:aws:iam::123456789012:role/aep-reader';

/** A target of the test connection in `prod`, with `fields` (a role, IAM-user keys, a bucket...). */
export function testTarget(fields: Partial<RotationTargetProps> = {}): RotationTargetProps {
  return { connectionId: TEST_CONNECTION_ID, sandboxName: 'prod', ...fields };
}

/** The account and region of a test stack whose checks need them (a key's region, a role's partition). */
export const TEST_ENV = { account: '123456789012', region: 'eu-west-1' };

/** A stack whose bundling is skipped (as `cdk synth --exclusively` does for other stacks). */
export function newTestStack(options: { bundle?: boolean; env?: { account: string; region: string } } = {}): Stack {
  const app = new App({ outdir: testOutdir(), context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Test', { env: options.env });
}

/**
 * A rotator with `props` over one target and a runbook link of the app's own (run from source, the default would add a
 * warning of its own).
 */
export function testRotator(
  props: Partial<S3CredentialRotatorProps> & { targets?: RotationTargetProps[] },
  stack = newTestStack(),
): S3CredentialRotator {
  return new S3CredentialRotator(stack, 'Rotator', {
    targets: [{ connectionId: TEST_CONNECTION_ID, sandboxName: 'prod', roleArn: TEST_ROLE_ARN }],
    runbookUrl: 'https://wiki.example.com/rotator',
    ...props,
  });
}

/** An IAM user's keys, as a secret imported by name. */
export function importedUserSecret(stack: Stack, name = 'aep/user'): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretNameV2(stack, `Secret-${name}`, name);
}

/**
 * A rotator with a created role and an existing one, so that every kind of role is there, in a stack of
 * {@link TEST_ENV} unless given one; `props` may be made in the stack (constructs it imports).
 */
export function rotatorWithBothRoles(
  props: Partial<S3CredentialRotatorProps> | ((stack: Stack) => Partial<S3CredentialRotatorProps>) = {},
  stack = newTestStack({ env: TEST_ENV }),
): { stack: Stack; rotator: S3CredentialRotator; template: Template } {
  const rotator = new S3CredentialRotator(stack, 'Rotator', {
    targets: [
      testTarget({ createRole: { bucketName: 'acme-landing' } }),
      {
        connectionId: '5cb0c374-d3bb-4557-b139-5712880adc55',
        sandboxName: 'prod',
        roleArn: TEST_ROLE_ARN,
        bucketName: 'acme-web',
      },
    ],
    ...(typeof props === 'function' ? props(stack) : props),
  });
  return { stack, rotator, template: Template.fromStack(stack) };
}

/** Problems of the props `build` passes (the test fails if the construct accepts them). */
export function constructProblems(build: (stack: Stack) => void, stack = newTestStack()): string[] {
  try {
    build(stack);
  } catch (error) {
    expect(error).toBeInstanceOf(S3CredentialRotatorValidationError);
    return [...(error as S3CredentialRotatorValidationError).problems];
  }
  throw new Error('expected an S3CredentialRotatorValidationError');
}

/** `count` targets with ids of their own, and `extra`. */
export const manyTargets = (count: number, extra: Partial<RotationTargetProps> = {}): RotationTargetProps[] =>
  Array.from({ length: count }, (_, index) => ({
    connectionId: `${String(index).padStart(8, '0')}-d3bb-4557-b139-5712880adc55`,
    sandboxName: 'prod',
    ...extra,
  }));
