/**
 * Public face of the local emulators: the shapes tests, the demo and the benchmark use to
 * start them, seed state, inspect what they received and inject faults.
 *
 * Every emulator is a real HTTP server on 127.0.0.1 (port 0 unless given), so the real `got`
 * client and the real AWS SDK clients talk to it over real sockets.
 */
import type { FlowServiceEmulator, ImsEmulator } from './adobe-types.js';
import type { SecretsManagerEmulator, StsEmulator } from './aws-types.js';

export type { Emulator, Fault, FaultMatch, RecordedRequest } from './emulator.js';
export {
  S3_CONNECTION_SPEC_ID,
  type FlowServiceEmulator,
  type ImsClientRegistration,
  type ImsClientSecret,
  type ImsEmulator,
  type IssuedImsToken,
  type SeedConnection,
  type SeedFlowOfConnection,
  type StoredConnection,
} from './adobe-types.js';
export type {
  AwsCredentials,
  IssuedCredentials,
  RotationRecord,
  RotationStep,
  SecretsManagerEmulator,
  SeedRole,
  SignedServiceOptions,
  StsEmulator,
} from './aws-types.js';

// ---------------------------------------------------------------- all together

export interface Emulators {
  readonly ims: ImsEmulator;
  readonly flowService: FlowServiceEmulator;
  /** Adobe's I/O Management API (client secrets), on IMS's credentials. */
  readonly adobeConsole: import('./adobe-console.js').AdobeConsoleEmulator;
  readonly sts: StsEmulator;
  readonly secretsManager: SecretsManagerEmulator;
  /** dynalite, a real local DynamoDB, for the rotation ledger. */
  readonly dynamodb: import('./dynamodb.js').DynamoDbEmulator;
  /** Roles' inline policies (`revoke`'s deny of older sessions), which Flow Service's explore honours. */
  readonly iam: import('./iam.js').IamEmulator;
  /**
   * Environment that points the function at the emulators: `FLOW_SERVICE_URL`, `ADOBE_IMS_URL`,
   * `ADOBE_CONSOLE_API_URL`, `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_DYNAMODB`,
   * `AWS_ENDPOINT_URL_IAM`, `AWS_REGION`.
   */
  readonly endpointEnv: Record<string, string>;
  close(): Promise<void>;
}
