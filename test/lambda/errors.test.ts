import { describe, expect, it } from 'vitest';
import * as errors from '../../lambda/errors.js';

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
  new errors.FlowServiceError('message', 404, '1101-404'),
  new errors.EtagConflictError('message', 3),
  new errors.RotationFailedError('message', ['connection-id']),
];

describe('error names', () => {
  it('covers every error class the module exports', () => {
    const classes = Object.values(errors).filter(
      (value): value is typeof errors.RotatorError => typeof value === 'function' && (value === errors.RotatorError || value.prototype instanceof errors.RotatorError),
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
