/**
 * The package's entry point: the `S3CredentialRotator` construct, its props, the deployable stack
 * and its configuration, and the function's contract (environment, metric names, the target
 * entry) for apps that build on it. Every type a prop or a public property names is exported here.
 *
 * @example
 * import { S3CredentialRotator } from 'aep-s3-credential-rotator';
 * new S3CredentialRotator(stack, 'Rotator', {
 *   targets: [{ connectionId, sandboxName: 'prod', createRole: { bucketName: 'acme-aep-landing' } }],
 * });
 */
export {
  DEFAULT_RUNBOOK_URL,
  MAX_TARGETS_ENV_BYTES,
  S3CredentialRotator,
  S3CredentialRotatorValidationError,
  secretIdOf,
  TargetsDelivery,
  type AdobeSecretRotationProps,
  type CreatedRoleOptions,
  type FunctionVpcProps,
  type RotationTargetProps,
  type S3CredentialRotatorProps,
} from './s3-credential-rotator.js';
export type { ExpiryAlarmPlan } from '../core/alarm-rules.js';
export { OUTPUT, RotatorStack, type RotatorStackProps } from './rotator-stack.js';
export {
  ConfigValidationError,
  parseRotatorConfig,
  type CreateRoleConfig,
  type RotatorConfig,
  type SecretConfig,
  type TargetConfig,
} from './config/config.js';
export type { GuardrailsConfig, VpcConfig } from './config/guardrails.js';
export type { OperationsConfig } from './config/operations.js';
export type { TargetsDeliveryName } from '../core/targets-delivery-rules.js';
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_DURATION_SECONDS,
  DEFAULT_FLOW_SERVICE_URL,
  DEFAULT_IMS_URL,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_SERVICE_NAME,
  DURATION_LIMITS,
  ENV,
  METRIC,
  TARGET_METHODS,
  toFunctionEnv,
  type FunctionSettings,
  type FunctionTargetEntry,
  type MintMethod,
  type RotationTarget,
  type TargetMethod,
} from '../core/contract.js';
