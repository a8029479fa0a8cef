/**
 * How the targets reach the function, decided the same way by the construct (at synth, over props
 * that may hold tokens) and by the configuration parser (`check-config`, over plain values): in
 * `ROTATION_TARGETS` while the list surely fits Lambda's 4 KB environment, else in a JSON file
 * bundled with the code, which is written at synth and so must hold no deploy-time value.
 */
import { toTargetEntry, type FunctionTargetEntry, type MintMethod } from './contract.js';
import { normalizeFolderPath, sessionPolicySizeProblem } from './session-policy.js';

/**
 * Largest `ROTATION_TARGETS` value kept in the environment. Lambda allows 4 KB for all variables
 * together; the others take about 500 bytes.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
 */
export const MAX_TARGETS_ENV_BYTES = 3000;

/** How long a value known only at deploy time (a created role's ARN) is counted: its longest. */
export const UNRESOLVED_VALUE_BYTES = 160;

/** The values of the configuration's `targetsDelivery` (the construct's `TargetsDelivery`). */
export const TARGETS_DELIVERIES = ['auto', 'environment', 'file'] as const;
export type TargetsDeliveryName = (typeof TARGETS_DELIVERIES)[number];

/** The size of the list in `ROTATION_TARGETS`, counting each unresolved value at its longest. */
export function estimatedTargetsBytes(entries: readonly FunctionTargetEntry[], isUnresolved: (value: string) => boolean): number {
  return Buffer.byteLength(
    JSON.stringify(entries, (_key, value: unknown) => (typeof value === 'string' && isUnresolved(value) ? 'x'.repeat(UNRESOLVED_VALUE_BYTES) : value)),
  );
}

/** How the targets travel, and whether created roles' sessions are narrowed in the list. */
export interface DeliveryDecision {
  readonly delivery: 'environment' | 'file';
  /** False when a list that fitted only without created roles' buckets keeps to the environment. */
  readonly narrowCreatedRoles: boolean;
}

/**
 * `auto` keeps a list in the environment when it fits. A list that fitted before created roles'
 * sessions were narrowed keeps fitting there: those fields only repeat what the created role
 * already allows, and a bundled file would need every created role's ARN at synth.
 */
export function decideTargetsDelivery(
  requested: TargetsDeliveryName,
  entries: { readonly narrowed: readonly FunctionTargetEntry[]; readonly unnarrowed: readonly FunctionTargetEntry[] },
  isUnresolved: (value: string) => boolean,
): DeliveryDecision {
  if (requested !== 'auto') return { delivery: requested, narrowCreatedRoles: true };
  if (estimatedTargetsBytes(entries.narrowed, isUnresolved) <= MAX_TARGETS_ENV_BYTES) return { delivery: 'environment', narrowCreatedRoles: true };
  if (estimatedTargetsBytes(entries.unnarrowed, isUnresolved) <= MAX_TARGETS_ENV_BYTES) return { delivery: 'environment', narrowCreatedRoles: false };
  return { delivery: 'file', narrowCreatedRoles: true };
}

/**
 * Whether a created role's bucket and folder can go in its entry: the session policy they make
 * fits STS's limit (a value known only at deploy time is assumed to). Left out, they cost nothing
 * in privilege, since the created role allows no more than that anyway.
 */
export function createdRoleScopeFits(
  createRole: { readonly bucketName: string; readonly folderPath?: string },
  isUnresolved: (value: string) => boolean,
): boolean {
  const { bucketName, folderPath } = createRole;
  if (isUnresolved(bucketName) || (folderPath !== undefined && isUnresolved(folderPath))) return true;
  return !sessionPolicySizeProblem({ bucketName, folderPath: folderPath && normalizeFolderPath(folderPath) });
}

/**
 * The connections whose created role travels without its bucket and folder (a list that fits the
 * environment only without them, or a session policy too long for STS). Adobe's check after a
 * PATCH would then explore the bucket's root, which a created role does not let anyone list: each
 * such rotation would be reported failed although ingestion works. So the function's check is
 * switched off while there is one (`VERIFY_WITH_ADOBE=false`), and synth and `check-config` warn.
 */
export function createdRolesWithoutScope(
  targets: readonly { readonly connectionId: string; readonly createRole?: unknown }[],
  entries: readonly FunctionTargetEntry[],
): string[] {
  return targets.flatMap((target, index) => (target.createRole && !entries[index]?.bucketName ? [target.connectionId] : []));
}

/** The warning for `createdRolesWithoutScope`'s connections; the caller prefixes the field. */
export function adobeCheckOffWarning(connectionIds: readonly string[]): string {
  return (
    `Adobe's check after each PATCH is switched off (VERIFY_WITH_ADOBE=false): the created role of ${connectionIds.length === 1 ? 'connection' : 'connections'} ` +
    `${connectionIds.join(', ')} reaches the function without its bucket and folder (the targets list fits Lambda's environment only without them, ` +
    "or the role's session policy would exceed STS's 2,048 characters), so Adobe would be asked to list the bucket's root, which a created role does not allow. " +
    'To keep the check, set "targetsDelivery": "file" with createRole.roleName on every created role and an explicit account and region; ' +
    'or set "verifyWithAdobe": false to accept it'
  );
}

/** Why a created role cannot go in a bundled file: its ARN is known only at deploy time. */
export function createdRoleInFileProblem(index: number): string {
  return (
    `targets[${index}].createRole: the targets go to a bundled file, which is written at synth, but this role's ARN is known only at deploy time; ` +
    'give createRole.roleName and deploy the stack to an explicit account and region, or set "targetsDelivery": "environment" (TargetsDelivery.ENVIRONMENT in code) with fewer targets'
  );
}

/** The partition of a region (`cn-north-1` → `aws-cn`). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** A configured target, as far as delivery needs it. */
export interface DeliveryTarget {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly method: MintMethod;
  readonly roleArn?: string;
  readonly createRole?: { readonly bucketName: string; readonly folderPath?: string; readonly roleName?: string };
  readonly externalId?: string;
  readonly userCredentialsSecret?: { readonly secretId: string };
  readonly durationSeconds: number;
  readonly bucketName?: string;
  readonly folderPath?: string;
}

/** Stands for a created role's ARN that only a deploy will know. */
const DEPLOY_TIME_ARN = '<created role ARN, known at deploy time>';

/** A configuration, as far as delivery needs it. */
interface DeliveryConfig {
  readonly targets: readonly DeliveryTarget[];
  readonly targetsDelivery: TargetsDeliveryName;
  readonly account?: string;
  readonly region?: string;
}

const isUnresolved = (value: string) => value === DEPLOY_TIME_ARN;

/** How a configuration's targets would travel, decided as the construct does, and their entries. */
function deliveryOf(config: DeliveryConfig): { decision: DeliveryDecision; entries: FunctionTargetEntry[] } {
  const entryOf = (target: DeliveryTarget, narrowCreatedRoles: boolean) => {
    const created = target.createRole;
    const roleArn =
      target.roleArn ??
      (created &&
        (created.roleName && config.account && config.region
          ? `arn:${partitionOfRegion(config.region)}:iam::${config.account}:role/${created.roleName}`
          : DEPLOY_TIME_ARN));
    const scope = created
      ? narrowCreatedRoles && createdRoleScopeFits(created, isUnresolved)
        ? { bucketName: created.bucketName, folderPath: created.folderPath && normalizeFolderPath(created.folderPath) }
        : {}
      : { bucketName: target.bucketName, folderPath: target.folderPath };
    return toTargetEntry({ ...target, roleArn, userCredentialsSecretId: target.userCredentialsSecret?.secretId, ...scope });
  };
  const narrowed = config.targets.map((target) => entryOf(target, true));
  const unnarrowed = config.targets.map((target) => entryOf(target, false));
  const decision = decideTargetsDelivery(config.targetsDelivery, { narrowed, unnarrowed }, isUnresolved);
  return { decision, entries: decision.narrowCreatedRoles ? narrowed : unnarrowed };
}

/**
 * What `cdk synth` would refuse about how a configuration's targets travel, found without
 * synthesizing: a list too large for the environment goes to a bundled file, and then every
 * created role needs a fixed name, and the stack an explicit account and region.
 */
export function targetsDeliveryProblems(config: DeliveryConfig): string[] {
  if (deliveryOf(config).decision.delivery !== 'file') return [];
  return config.targets.flatMap((target, index) =>
    target.createRole && (!target.createRole.roleName || !config.account || !config.region) ? [createdRoleInFileProblem(index)] : [],
  );
}

/** The connections of a configuration whose created role would reach the function without its bucket (see `createdRolesWithoutScope`). */
export function configCreatedRolesWithoutScope(config: DeliveryConfig): string[] {
  return createdRolesWithoutScope(config.targets, deliveryOf(config).entries);
}
