/**
 * The construct on its own, for the tests of its props: a stack whose bundling is skipped, a
 * rotator with one target unless told otherwise, and the problems props make synth refuse.
 */
import { App, Stack } from 'aws-cdk-lib';
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

/** Problems of the props `build` passes (the test fails if the construct accepts them). */
export function constructProblems(build: (stack: Stack) => void): string[] {
  try {
    build(newTestStack());
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
