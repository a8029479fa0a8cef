/**
 * How the rules see a target, whichever door it came through: the fields they name
 * ({@link TargetField}), how each door names the ones that differ ({@link TARGET_DOORS}), the
 * door's view of a target ({@link TargetView}) and what a door tells every rule
 * ({@link TargetRuleContext}). The rules themselves are core/target-rules.ts's, which re-exports
 * these.
 */
import type { TargetMethod } from './mint-methods.js';
import type { Rule } from './rules.js';

/** A target field, in the rules' terms; a door names `userKeys` and `duration` its own way. */
export type TargetField =
  | 'connectionId'
  | 'sandboxName'
  | 'method'
  | 'roleArn'
  | 'createRole'
  | 'createRole.bucketName'
  | 'createRole.folderPath'
  | 'createRole.roleName'
  | 'createRole.bucketAccount'
  | 'externalId'
  | 'userKeys'
  | 'duration'
  | 'bucketName'
  | 'folderPath'
  | 'bucketAccount';

/** How a door names the fields that differ between doors. */
export interface TargetFieldNames {
  /** The IAM-user keys: a secret's id in the function's environment, a secret (reference) elsewhere. */
  readonly userKeys: 'userCredentialsSecretId' | 'userCredentialsSecret';
  /** The credentials' lifetime: seconds, or a `Duration` (the construct). */
  readonly duration: 'durationSeconds' | 'duration';
  /**
   * Whether a target of this door can ask for a role to be created (`createRole`): the function's environment cannot.
   */
  readonly canCreateRole: boolean;
}

/** The three doors' names. */
export const TARGET_DOORS = {
  /** `ROTATION_TARGETS` (lambda/config.ts). */
  function: { userKeys: 'userCredentialsSecretId', duration: 'durationSeconds', canCreateRole: false },
  /** cdk.json's `rotator.targets` (lib/config/config.ts). */
  config: { userKeys: 'userCredentialsSecret', duration: 'durationSeconds', canCreateRole: true },
  /** The construct's `targets` prop (lib/rotator/validate-props.ts). */
  props: { userKeys: 'userCredentialsSecret', duration: 'duration', canCreateRole: true },
} as const satisfies Record<string, TargetFieldNames>;

/** The path of `field` as a door writes it. */
export function targetFieldName(field: TargetField, names: TargetFieldNames): string {
  if (field === 'userKeys') return names.userKeys;
  if (field === 'duration') return names.duration;
  return field;
}

/**
 * A target as the rules see it, whichever door it came through. A value a door cannot read yet (a
 * CDK token) is passed as it is, and `isUnresolved` tells it: the rules skip it, never guess.
 */
export interface TargetView {
  readonly connectionId?: string;
  readonly sandboxName?: string;
  readonly method?: TargetMethod;
  readonly roleArn?: string;
  readonly createRole?: {
    readonly bucketName?: string;
    readonly folderPath?: string;
    readonly roleName?: string;
    readonly bucketAccount?: string;
  };
  readonly externalId?: string;
  /** The target names IAM-user keys (a secret). */
  readonly hasUserKeys: boolean;
  readonly bucketName?: string;
  readonly folderPath?: string;
  /** The account that owns `bucketName`. */
  readonly bucketAccount?: string;
  /** The credentials' lifetime in seconds, the default applied; undefined while unknown (a token). */
  readonly durationSeconds?: number;
}

/** What a door tells every rule. */
export interface TargetRuleContext {
  readonly names: TargetFieldNames;
  /** True for a value known only at deploy time (the construct passes `Token.isUnresolved`). */
  readonly isUnresolved: (value: string) => boolean;
  /**
   * `requireNarrowedCredentials`: a target whose credentials cannot be narrowed to its bucket
   * (GetSessionToken, or a role without a bucket) is refused rather than warned about.
   * @default false (the function's environment has no such setting)
   */
  readonly requireNarrowedCredentials?: boolean;
}

export type TargetRule = Rule<TargetView, TargetRuleContext, TargetField>;
