/**
 * The public face of the AWS emulators (STS, Secrets Manager, and every service signed with the
 * keys STS issued): how tests seed users, roles and secrets, and what the emulators record.
 */
import type { Emulator } from './emulator.js';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Credentials STS issued, with the inline session policy they were issued with (AssumeRole, GetFederationToken). */
export interface IssuedCredentials extends AwsCredentials {
  /** The `Policy` parameter exactly as the request carried it; absent when the request had none. */
  readonly policy?: string;
}

export interface SeedRole {
  /** `arn:aws:iam::<12 digits>:role/<name>` */
  readonly roleArn: string;
  /** AWS: 3600 to 43200. @default 3600 */
  readonly maxSessionDurationSeconds?: number;
  /**
   * Caller ARNs (role ARN for role sessions, user ARN for users) allowed to assume it; empty means anyone.
   * @default []
   */
  readonly trustedPrincipalArns?: string[];
  /** When set, AssumeRole must carry exactly this ExternalId. */
  readonly externalId?: string;
  /**
   * The role's permissions (an identity policy, JSON): what Flow Service's explore may do in S3 and
   * KMS with a session of it, intersected with the session's policy. @default none modelled: S3 allows what the session
   * policy allows
   */
  readonly permissionsPolicy?: string;
}

export interface StsEmulator extends Emulator {
  /** Create an IAM user; returns its long-term `AKIA...` keys. */
  createUser(userName: string, accountId?: string): AwsCredentials & { readonly arn: string };
  createRole(role: SeedRole): void;
  /**
   * IAM DeleteAccessKey: calls signed with this user key fail `InvalidClientTokenId` from now on
   * (an operator's key rotation: `createUser` with the same name gives the user a second key).
   */
  deleteAccessKey(accessKeyId: string): void;
  /**
   * Credentials of a role session as Lambda gives its execution role (an `ASIA...` key with a
   * session token): AssumeRole from these is role chaining, GetSessionToken and GetFederationToken
   * are refused.
   */
  issueRoleSession(roleArn: string, sessionName?: string, durationSeconds?: number): AwsCredentials;
  /**
   * Every credential set issued (by AssumeRole, GetSessionToken, GetFederationToken,
   * issueRoleSession), for leak searches, each with the session policy it carries.
   */
  readonly issuedCredentials: IssuedCredentials[];
  /** The session policy the credentials with this access key id were issued with; undefined when none (or unknown). */
  policyOf(accessKeyId: string): string | undefined;
  /** The permissions policy of the role these credentials are a session of, when the role was created with one. */
  identityPolicyOf(accessKeyId: string): string | undefined;
  /** Make every credential issued so far invalid (calls signed with them fail `InvalidClientTokenId`). */
  revokeIssuedCredentials(): void;
  /**
   * The next `times` credentials AssumeRole/GetSessionToken/GetFederationToken mint are unknown to the emulator, so
   * `GetCallerIdentity` signed with them fails (as credentials revoked right after issue would).
   */
  mintUnverifiableCredentials(times?: number): void;
  /** Clock used for expiry checks. @default Date.now */
  setClock(now: () => number): void;
  /** The clock's current time (Secrets Manager checks credential expiry against it). */
  now(): number;
  /** Look up credentials the emulator knows by access key id (used by Secrets Manager to verify SigV4). */
  credentialsFor(accessKeyId: string): (AwsCredentials & { readonly arn: string }) | undefined;
  /** The role a session belongs to (role sessions only) and when it was issued (epoch ms, the emulator's clock). */
  sessionOf(accessKeyId: string): { readonly roleArn?: string; readonly issuedAt: number } | undefined;
  /** Whether a role of this name was created ({@link StsEmulator.createRole}). */
  hasRole(roleName: string): boolean;
  /** Replace whom a role trusts (its trust policy's principals); returns whom it trusted before. */
  setRoleTrust(roleArn: string, trustedPrincipalArns: readonly string[]): readonly string[];
}

/** Options of an emulator of an AWS service whose requests must be SigV4-signed with credentials STS issued. */
export interface SignedServiceOptions {
  /** Knows the credentials requests are signed with, and the clock their expiry is checked against. */
  readonly sts: Pick<StsEmulator, 'credentialsFor' | 'now'>;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
}

/** The steps Secrets Manager invokes a rotation function with, in order. */
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** One rotation the emulator ran (or is running): each step invoked, and how it ended. */
export interface RotationRecord {
  readonly secretArn: string;
  /** The `ClientRequestToken`: the id of the version the rotation makes. */
  readonly token: string;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly steps: Array<{ readonly step: RotationStep; readonly ok: boolean; readonly error?: string }>;
  outcome: 'running' | 'succeeded' | 'failed';
}

export interface SecretsManagerEmulator extends Emulator {
  /**
   * Store a secret, or a new `AWSCURRENT` version of it; returns its ARN
   * (`arn:aws:secretsmanager:<region>:<account>:secret:<name>-XXXXXX`).
   */
  putSecret(name: string, secretString: string): string;
  /**
   * How a rotation reaches its function (Secrets Manager invokes it synchronously, once per step):
   * resolves when the step succeeded, rejects with the function's error. Without one, every
   * rotation fails at its first step.
   */
  setRotationInvoker(invoke: (functionArn: string, event: Record<string, string>) => Promise<unknown>): void;
  /**
   * Turn rotation on with this function and interval, as a deployed `RotationSchedule` leaves it (no rotation is
   * started).
   */
  configureRotation(secretId: string, config: { readonly lambdaArn: string; readonly everyDays: number }): void;
  /** Every version of a secret (values in clear: for assertions only). */
  versions(secretId: string): Array<{ readonly id: string; readonly value?: string; readonly stages: string[] }>;
  /** The value `AWSCURRENT` holds (for assertions). */
  currentValue(secretId: string): string | undefined;
  /** Every rotation started, oldest first. */
  readonly rotations: RotationRecord[];
  /** Resolves when every rotation started so far (and any started meanwhile) has ended. */
  rotationsSettled(): Promise<void>;
}
