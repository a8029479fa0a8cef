import { describe, expect, it } from 'vitest';
import * as errors from '../../../lambda/errors.js';

/** One instance of every error class the function throws. */
const instances: errors.RotatorError[] = [
  new errors.RotatorError('ROTATION_FAILED', 'message'),
  new errors.ConfigError(['ROTATION_TARGETS: missing']),
  new errors.RequestValidationError(['connectionIds: must be an array']),
  new errors.SecretError('SECRET_INVALID', 'message'),
  new errors.ImsError('IMS_AUTH_FAILED', 'message'),
  new errors.StsError('message', 'AccessDenied'),
  new errors.VerificationError('message'),
  new errors.ConnectionNotRotatableError('message', 'iam-role-auth'),
  new errors.ConnectionScopeError('message'),
  new errors.FlowServiceError('message', 404, '1101-404'),
  new errors.EtagConflictError('message', 3),
  new errors.RotationFailedError('message', ['connection-id']),
];

describe('error names', () => {
  it('covers every error class the module exports', () => {
    const classes = Object.values(errors).filter(
      (value): value is typeof errors.RotatorError =>
        typeof value === 'function' &&
        (value === errors.RotatorError || value.prototype instanceof errors.RotatorError),
    );
    expect(new Set(instances.map((error) => error.constructor))).toEqual(new Set(classes));
  });

  // Lambda reports `name` as the invocation's errorType. Each class spells it out, because a
  // bundler may rename a class (and so its constructor.name) when another module uses the same name.
  it.each(instances.map((error) => [error.constructor.name, error] as const))('%s names itself', (className, error) => {
    expect(error.name).toBe(className);
    expect(String(error)).toBe(`${className}: ${error.message}`);
  });
});

describe('isTransientAwsError', () => {
  it.each([
    ['Throttling', { name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 } }, true],
    ['a 5xx', { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } }, true],
    ['an unnamed server fault', { name: 'Weird', $fault: 'server' }, true],
    ['a reset socket', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['a client timeout', { name: 'TimeoutError' }, true],
    ['AccessDenied', { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } }, false],
    ['a validation error', { name: 'ValidationError', $fault: 'client', $metadata: { httpStatusCode: 400 } }, false],
    [
      'rejected credentials',
      { name: 'InvalidClientTokenId', $fault: 'client', $metadata: { httpStatusCode: 403 } },
      false,
    ],
    ['nothing', undefined, false],
  ])('%s → %s', (_name, error, transient) => {
    expect(errors.isTransientAwsError(error)).toBe(transient);
    expect(new errors.StsError('m', 'x', error).transient).toBe(transient);
  });
});
